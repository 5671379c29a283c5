#!/usr/bin/env python3
"""zkshard's integer Gemm/Conv kernels vs onnxruntime's MatMulInteger/ConvInteger, same run.

Runs `zkshard bench kernels --json` (one or more builds) and onnxruntime's CPU provider on the
same shapes, interleaved for --rounds rounds, and prints markdown tables of the best GOP/s
(2 ops per multiply-add) with zkshard / onnxruntime ratios. onnxruntime gets uint8 activations
and int8 weights (its fastest int8 form on x86), weights as initializers so that it prepacks
them, intra_op_num_threads = 1 for the single-thread columns.

Extra reference rows: MatMulInteger with uint8 weights (onnxruntime's exact widening path; its
u8×s8 path uses VPMADDUBSW, which saturates int16 pair sums on AVX2 machines without VNNI) and
QLinearConv (onnxruntime's optimized quantized convolution; ConvInteger is a plain
im2col + GEMM), both including their own requantization.

    .venv/bin/python bench/kernels_vs_onnxruntime.py --zkshard default=.build/release/zkshard \\
        [--zkshard avx2=path/to/avx2/zkshard] [--rounds 3] [--seconds 1]
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

GEMMS = [(1, 1024, 1024), (64, 1024, 1024), (256, 256, 256)]
# (C, H, W, O, k, stride, pad)
CONVS = [(64, 56, 56, 64, 3, 1, 1), (3, 224, 224, 32, 3, 2, 1)]


def gemm_key(m, n, k):
    return f"gemm_{m}x{n}x{k}"


def conv_key(c, h, w, o, k, s, p):
    return f"conv_{c}x{h}x{w}_{o}x{k}x{k}_s{s}"


def session(graph, threads):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])


def weights(rng, shape, wtype):
    if wtype == np.uint8:
        return rng.integers(0, 256, shape).astype(np.uint8)
    return rng.integers(-128, 128, shape).astype(np.int8)


def ort_matmul(m, n, k, threads, wtype):
    rng = np.random.default_rng(1)
    a = rng.integers(0, 256, (m, k), dtype=np.uint8)
    g = helper.make_graph(
        [helper.make_node("MatMulInteger", ["A", "B"], ["Y"])], "g",
        [helper.make_tensor_value_info("A", TensorProto.UINT8, [m, k])],
        [helper.make_tensor_value_info("Y", TensorProto.INT32, [m, n])],
        [numpy_helper.from_array(weights(rng, (k, n), wtype), "B")])
    return session(g, threads), {"A": a}, m * n * k


def conv_shape(c, h, w, o, kk, s, p):
    return (h + 2 * p - kk) // s + 1, (w + 2 * p - kk) // s + 1


def ort_conv(c, h, w, o, kk, s, p, threads, wtype):
    rng = np.random.default_rng(2)
    x = rng.integers(0, 256, (1, c, h, w), dtype=np.uint8)
    oh, ow = conv_shape(c, h, w, o, kk, s, p)
    g = helper.make_graph(
        [helper.make_node("ConvInteger", ["X", "W"], ["Y"], kernel_shape=[kk, kk], strides=[s, s], pads=[p, p, p, p])], "g",
        [helper.make_tensor_value_info("X", TensorProto.UINT8, [1, c, h, w])],
        [helper.make_tensor_value_info("Y", TensorProto.INT32, [1, o, oh, ow])],
        [numpy_helper.from_array(weights(rng, (o, c, kk, kk), wtype), "W")])
    return session(g, threads), {"X": x}, o * oh * ow * c * kk * kk


def ort_qlinearconv(c, h, w, o, kk, s, p, threads):
    rng = np.random.default_rng(3)
    x = rng.integers(0, 256, (1, c, h, w), dtype=np.uint8)
    oh, ow = conv_shape(c, h, w, o, kk, s, p)
    scalar = lambda v, t, name: numpy_helper.from_array(np.array(v, dtype=t), name)
    inits = [numpy_helper.from_array(weights(rng, (o, c, kk, kk), np.int8), "W"),
             scalar(0.02, np.float32, "xs"), scalar(0, np.uint8, "xz"), scalar(0.01, np.float32, "ws"),
             scalar(0, np.int8, "wz"), scalar(0.5, np.float32, "ys"), scalar(0, np.uint8, "yz")]
    g = helper.make_graph(
        [helper.make_node("QLinearConv", ["X", "xs", "xz", "W", "ws", "wz", "ys", "yz"], ["Y"],
                          kernel_shape=[kk, kk], strides=[s, s], pads=[p, p, p, p])], "g",
        [helper.make_tensor_value_info("X", TensorProto.UINT8, [1, c, h, w])],
        [helper.make_tensor_value_info("Y", TensorProto.UINT8, [1, o, oh, ow])], inits)
    return session(g, threads), {"X": x}, o * oh * ow * c * kk * kk


def best_gops(sess, feed, macs, seconds):
    sess.run(None, feed)
    best, total, runs = float("inf"), 0.0, 0
    while runs < 3 or total < seconds:
        t0 = time.perf_counter()
        sess.run(None, feed)
        dt = time.perf_counter() - t0
        best, total, runs = min(best, dt), total + dt, runs + 1
    return 2 * macs / best / 1e9


def build_ort(threads):
    """{key: (main session tuple, [(label, session tuple)] references)} for each shape."""
    out = {}
    for (m, n, k) in GEMMS:
        out[gemm_key(m, n, k)] = (ort_matmul(m, n, k, threads, np.int8),
                                  [("MatMulInteger u8×u8", ort_matmul(m, n, k, threads, np.uint8))])
    for cfg in CONVS:
        out[conv_key(*cfg)] = (ort_conv(*cfg, threads, np.int8),
                               [("QLinearConv u8×s8", ort_qlinearconv(*cfg, threads))])
    return out


def machine():
    model, flags = "unknown CPU", ""
    try:
        text = open("/proc/cpuinfo").read()
        for line in text.splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        flags = ", ".join(f for f in ("avx2", "avx512f", "avx512_vnni", "avx_vnni") if f" {f}" in text)
    except OSError:
        pass
    return (f"{model}, {os.cpu_count()} logical CPUs ({flags or 'no AVX2'}); {platform.system()} {platform.release()}; "
            f"onnxruntime {ort.__version__}, numpy {np.__version__}, Python {platform.python_version()}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--zkshard", action="append", metavar="NAME=PATH",
                    help="a zkshard build to measure (repeatable); default: default=.build/release/zkshard")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=1.0, help="timed seconds per shape and side, per round")
    args = ap.parse_args()
    builds = []
    for spec in args.zkshard or [f"default={os.path.join(ROOT, '.build', 'release', 'zkshard')}"]:
        name, _, path = spec.partition("=")
        builds.append((name, path or name))
    t = args.threads
    counts = [1] + ([t] if t > 1 else [])

    sessions = {n: build_ort(n) for n in counts}
    best = {}

    def keep(key, value):
        best[key] = max(best.get(key, 0.0), value)

    for r in range(args.rounds):
        print(f"round {r + 1}/{args.rounds}", file=sys.stderr)
        for n in counts:
            for shape, (main_sess, refs) in sessions[n].items():
                keep(("ort", n, shape), best_gops(*main_sess, args.seconds))
                for label, ref in refs:
                    keep((label, n, shape), best_gops(*ref, args.seconds))
        for name, path in builds:
            res = subprocess.run([path, "bench", "kernels", "--json", "--quiet", "--threads", str(t),
                                  "--seconds", str(args.seconds)], check=True, capture_output=True, text=True)
            z = json.loads(res.stdout)
            for shape in sessions[1]:
                for n in counts:
                    keep((name, n, shape), z[f"{shape}_1thread" if n == 1 else f"{shape}_{n}threads"])

    print(f"Machine: {machine()}")
    print(f"Best of {args.rounds} interleaved rounds, {args.seconds} s per measurement; GOP/s = 2·MACs / time.\n")
    for n in counts:
        tn = "1 thread" if n == 1 else f"{n} threads"
        head = f"| shape ({tn}) | onnxruntime MatMulInteger / ConvInteger u8×s8 |"
        sep = "| --- | ---: |"
        for name, _ in builds:
            head += f" zkshard {name} | ratio |"
            sep += " ---: | ---: |"
        print(head)
        print(sep)
        for shape in sessions[1]:
            o = best[("ort", n, shape)]
            row = f"| {shape} | {o:.1f} |"
            for name, _ in builds:
                z = best[(name, n, shape)]
                row += f" {z:.1f} | {z / o:.2f}× |"
            print(row)
        print()
    print("Other onnxruntime references (GOP/s, and each zkshard build's ratio to them):\n")
    head, sep = "| shape | reference | threads | GOP/s |", "| --- | --- | ---: | ---: |"
    for name, _ in builds:
        head += f" zkshard {name} |"
        sep += " ---: |"
    print(head)
    print(sep)
    for shape, (_, refs) in sessions[1].items():
        for label, _ in refs:
            for n in counts:
                ref = best[(label, n, shape)]
                row = f"| {shape} | {label} | {n} | {ref:.1f} |"
                for name, _ in builds:
                    row += f" {best[(name, n, shape)] / ref:.2f}× |"
                print(row)

if __name__ == "__main__":
    main()
