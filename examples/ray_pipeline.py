#!/usr/bin/env python3
"""Fan sharded proving out over a Ray cluster, then validate the receipts.

Shard proving is independent processes reading and writing files, so any scheduler can
run it; this example uses Ray. Each shard K is proved by `--replicas` nodes at once (Ray
tasks, each signing with its own key); shard K+1's tasks start as soon as the first replica
of shard K has produced its output activations (passed between tasks as a Ray object, the
`output.json` bytes). At the end a validator checks the whole chain with a quorum of
`--replicas` agreeing receipts per shard.

    examples/ray_pipeline.py --build build/ --input input.json --keys a.key b.key \
        --replicas 2 --out receipts/ [--address auto]

Without --address it starts a local Ray cluster on this machine (what the tests do); with
--address it joins an existing cluster, where every worker needs zkshard and the build
directory at the same paths (a shared file system) — or adapt `prove_shard` to copy them.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import ray


@ray.remote(num_cpus=1)
def prove_shard(zkshard, build, k, input_bytes, out_dir, key, threads):
    """One node proving shard K on the incoming activations; returns its output.json bytes."""
    with tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False) as f:
        f.write(input_bytes)
        input_path = f.name
    try:
        p = subprocess.run([zkshard, "prove", build, "--shard", str(k), "--input", input_path, "-o", out_dir,
                            "--sign", key, "--threads", str(threads), "--quiet"], capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"shard {k} on {key}: exit {p.returncode}: {p.stderr.strip()}")
    finally:
        os.unlink(input_path)
    with open(os.path.join(out_dir, "output.json"), "rb") as f:
        return f.read()


def run_pipeline(zkshard, build, input_path, keys, replicas, out, address=None, threads=1):
    """Proves every shard on `replicas` nodes over Ray; returns the receipt directories by shard."""
    with open(os.path.join(build, "shards.json")) as f:
        shards = len(json.load(f)["shards"])
    if len(keys) < replicas:
        raise SystemExit(f"{replicas} replicas need at least {replicas} node keys")
    ray.init(address=address, num_cpus=None if address else 2, include_dashboard=False,
             log_to_driver=False, ignore_reinit_error=True)
    try:
        with open(input_path, "rb") as f:
            activations = ray.put(f.read())
        receipts = []
        for k in range(shards):
            refs, dirs = [], []
            for r in range(replicas):
                d = os.path.abspath(os.path.join(out, f"shard{k}-node{r}"))
                refs.append(prove_shard.remote(zkshard, os.path.abspath(build), k, activations, d,
                                               os.path.abspath(keys[(k + r) % len(keys)]), threads))
                dirs.append(d)
            activations = refs[0]   # the next shard starts from the first replica's output
            receipts.append((dirs, refs))
        ray.get([ref for _, refs in receipts for ref in refs])
        return [dirs for dirs, _ in receipts]
    finally:
        ray.shutdown()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--keys", nargs="+", required=True, help="node keys from `zkshard keygen`")
    ap.add_argument("--replicas", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--address", help="an existing Ray cluster (default: start a local one)")
    ap.add_argument("--threads", type=int, default=1, help="threads per prove task")
    ap.add_argument("--zkshard", default=os.environ.get("ZKSHARD", "zkshard"))
    a = ap.parse_args()
    by_shard = run_pipeline(a.zkshard, a.build, a.input, a.keys, a.replicas, a.out, a.address, a.threads)
    receipts = [d for dirs in by_shard for d in dirs]
    last = os.path.join(by_shard[-1][0], "output.json")
    p = subprocess.run([a.zkshard, "validate", a.build, *receipts, "--quorum", str(a.replicas),
                        "--request", a.input, "--result", last])
    print(p.stdout or "", end="")
    if p.returncode == 0:
        with open(last) as f:
            print("result:", json.load(f)["outputs"])
    return p.returncode


if __name__ == "__main__":
    sys.exit(main())
