#!/usr/bin/env python3
"""Sharded proving on the bundled models: constraints and prove time per shard for 1, 2 and 3
shards, and what that means for latency when each shard runs on its own node.

Each shard's proof depends only on its incoming activations, which the previous node's
kernels produce in milliseconds, so with one node per shard the proofs run concurrently and
the inference is proven in about the slowest shard's time (plus the kernels and transfer).
Every configuration is proven and validated; medians over --repeats runs, one thread per
prove (one node = one core here, so the numbers do not depend on the other core's load).

    .venv/bin/python bench/sharded_proving.py [--repeats 3] [--models digits_mlp,digits_cnn] [--markdown]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ZK = Path(os.environ.get("ZKSHARD", ROOT / ".build" / "release" / "zkshard"))


def run(*cmd):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{' '.join(map(str, cmd))}: exit {p.returncode}\n{p.stderr}")
    return p.stdout


def measure(model, shards, repeats, work):
    circuit = ROOT / "circuits" / model
    build = work / f"{model}-{shards}"
    args = ["--shards", str(shards)] if shards > 1 else []
    run(ZK, "compile", circuit / "model.onnx", "-o", build, "--quiet", *args)
    run(ZK, "setup", build, "--quiet")
    if shards == 1:
        manifest = json.loads((build / "manifest.json").read_text())
        constraints = [manifest["constraints"]]
        times = []
        for _ in range(repeats):
            out = json.loads(run(ZK, "prove", build, "--input", circuit / "input.json", "-o", work / "p", "--quiet", "--json", "--threads", "1"))
            times.append([out["total_s"]])
        return constraints, times
    plan = json.loads((build / "shards.json").read_text())
    constraints = [s["constraints"] for s in plan["shards"]]
    key = work / "node.key"
    if not key.exists():
        run(ZK, "keygen", "-o", key)
    times = []
    for r in range(repeats):
        t, inp, dirs = [], circuit / "input.json", []
        for k in range(shards):
            d = work / f"{model}-{shards}-r{r}-s{k}"
            out = json.loads(run(ZK, "prove", build, "--shard", k, "--input", inp, "-o", d, "--sign", key, "--quiet", "--json", "--threads", "1"))
            t.append(out["total_s"])
            inp, dirs = d / "output.json", dirs + [d]
        run(ZK, "validate", build, *dirs)
        times.append(t)
    return constraints, times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--models", default="digits_mlp,digits_cnn")
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for model in a.models.split(","):
            base = None
            for shards in (1, 2, 3):
                constraints, times = measure(model, shards, a.repeats, Path(tmp))
                per_shard = [statistics.median(t[k] for t in times) for k in range(shards)]
                slowest, total = max(per_shard), sum(per_shard)
                base = base or slowest
                rows.append((model, shards, constraints, per_shard, total, slowest, base / slowest))
    if a.markdown:
        print("| model | shards | constraints per shard | prove per shard, 1 thread (s) | sum (s) | slowest shard (s) | latency vs 1 shard |")
        print("| --- | ---: | --- | --- | ---: | ---: | ---: |")
        for m, n, c, p, total, slowest, speed in rows:
            print(f"| {m} | {n} | {' + '.join(map(str, c))} | {' / '.join(f'{x:.3f}' for x in p)} | {total:.3f} | {slowest:.3f} | {speed:.2f}× |")
    else:
        print(json.dumps([dict(model=m, shards=n, constraints=c, prove_s=p, sum_s=t, slowest_s=s, latency_speedup=x)
                          for m, n, c, p, t, s, x in rows], indent=1))


if __name__ == "__main__":
    main()
