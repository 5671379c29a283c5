#!/usr/bin/env python3
"""A validator node's check of one sharded inference, as a script would run it.

Given the sharded build (from `zkshard compile --shards N` and `zkshard setup`) and the
receipt directories the inference nodes sent back (`zkshard prove --shard K --sign`), it runs
`zkshard validate --json`, prints one line per shard and one per flagged node, and exits like
the CLI: 0 valid, 1 invalid, 2 bad input.

    examples/validate_receipts.py build/ receipts/r0 receipts/r1 --quorum 1 \
        --keys trusted_nodes.txt --request input.json --result receipts/r1/output.json
"""
import argparse
import json
import os
import subprocess
import sys


def validate(zkshard, build, receipts, quorum=1, keys=None, request=None, result=None):
    """Runs `zkshard validate --json`; returns (exit code, report dict or None, stderr)."""
    cmd = [zkshard, "validate", build, *receipts, "--quorum", str(quorum), "--json"]
    if keys:
        cmd += ["--keys", keys]
    if request:
        cmd += ["--request", request]
    if result:
        cmd += ["--result", result]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    report = json.loads(p.stdout) if p.returncode in (0, 1) and p.stdout.strip() else None
    return p.returncode, report, p.stderr


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build")
    ap.add_argument("receipts", nargs="+")
    ap.add_argument("--quorum", type=int, default=1)
    ap.add_argument("--keys")
    ap.add_argument("--request")
    ap.add_argument("--result")
    ap.add_argument("--zkshard", default=os.environ.get("ZKSHARD", "zkshard"))
    a = ap.parse_args()
    code, report, err = validate(a.zkshard, a.build, a.receipts, a.quorum, a.keys, a.request, a.result)
    if report is None:
        print(f"bad input: {err.strip()}", file=sys.stderr)
        return 2
    for s in report["shards"]:
        agreed = s.get("agreed_output_commitment")
        status = f"output {agreed[:20]}… agreed by {s['votes']} of {s['receipts']}" if agreed else "NO AGREED OUTPUT"
        print(f"shard {s['shard']}: {status}")
    for f in report["flagged"]:
        print(f"flagged node {f}")
    failed = [c for c in report["checks"] if not c["ok"]]
    print(f"{len(report['checks']) - len(failed)} checks passed, {len(failed)} failed")
    print("VALID" if report["valid"] else "INVALID: " + "; ".join(report["reasons"]))
    return code


if __name__ == "__main__":
    sys.exit(main())
