#!/usr/bin/env python3
"""Activation transfer: `zkshard activations encode|decode` (blockwise int8, .zkact) measured on
real activations of the bundled digits models and on synthetic tensors.

For each activation of circuits/digits_mlp and circuits/digits_cnn (the model input, every
intermediate tensor, the logits), taken by onnxruntime on the 450 test inputs of
vectors/digits_vectors.json, and for a synthetic Gaussian and a heavy-tailed (Student-t, 3 degrees
of freedom) tensor of 65536 values, and for block sizes 16, 32, 64, 128, 256:

- size: the .zkact file of one sample's tensor, written by `zkshard activations encode`, against
  float32 (4 bytes a value) and against the JSON text it was encoded from (shortest float32
  decimals, as `zkshard activations decode` writes them); also the payload alone (codes + scales);
- error: every sample's tensor goes through encode and decode (one file of 450 tensors, blocks
  never cross tensors); max and RMS of |x - decoded| relative to that sample's tensor absmax
  (worst sample for the max, mean over samples for the RMS), and the RMS error relative to the
  tensor's RMS;
- top-1: the rest of the model (onnx.utils.extract_model from the activation to the logits) runs
  on the decoded activation; the count of the 450 samples whose prediction changes.

The codec under test is the zkshard binary (no Python re-implementation); the script checks that
its reported max error matches the one computed here.

    .venv/bin/python bench/activation_transfer.py --zkshard .build/release/zkshard [--json results.json]
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import shape_inference

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BLOCK_SIZES = [16, 32, 64, 128, 256]
# The activations measured per model, in graph order (CNN "flat" is "pool2" reshaped: left out).
ACTIVATIONS = {
    "digits_mlp": ["input", "fc1", "relu1", "fc2", "relu2", "logits"],
    "digits_cnn": ["input", "conv1", "bn1", "relu1", "pool1", "conv2", "relu2", "pool2", "logits"],
}
SYNTHETIC_SIZE = 65536


def json_text(rows):
    """EZKL-style input.json, one list per row, shortest float32 decimals (as the decoder writes)."""
    lists = ("[" + ", ".join(str(v) for v in np.asarray(r, dtype=np.float32).ravel()) + "]" for r in rows)
    return '{"input_data": [' + ",\n".join(lists) + "]}\n"


class Zkshard:
    def __init__(self, binary, tmp):
        self.binary, self.tmp, self.calls = binary, tmp, 0

    def _run(self, *args):
        self.calls += 1
        r = subprocess.run([self.binary, *args], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"zkshard {' '.join(args)} failed ({r.returncode}): {r.stderr}")
        return json.loads(r.stdout)

    def roundtrip(self, rows, block):
        """Encodes rows (one tensor each) and decodes them; returns (encode report, decoded rows)."""
        src, act, out = (os.path.join(self.tmp, f) for f in ("in.json", "acts.zkact", "out.json"))
        with open(src, "w") as f:
            f.write(json_text(rows))
        report = self._run("activations", "encode", src, "-o", act, "--block-size", str(block), "--json", "--quiet")
        self._run("activations", "decode", act, "-o", out, "--json", "--quiet")
        with open(out) as f:
            decoded = [np.asarray(r, dtype=np.float32) for r in json.load(f)["input_data"]]
        return report, decoded


def session(model_bytes):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    return ort.InferenceSession(model_bytes, so, providers=["CPUExecutionProvider"])


def measure(zk, name, samples, block, tail=None, baseline=None, labels=None):
    """One row: sizes from sample 0's file, errors and top-1 changes over all samples."""
    flat = [np.asarray(s, dtype=np.float32).ravel() for s in samples]
    single, _ = zk.roundtrip(flat[:1], block)
    report, decoded = zk.roundtrip(flat, block)
    rel_max, rel_rms, snr = [], [], []
    worst = 0.0
    for x, y in zip(flat, decoded):
        err = np.abs(x.astype(np.float64) - y.astype(np.float64))
        worst = max(worst, float(err.max()))
        a = float(np.abs(x).max())
        if a > 0:
            rel_max.append(float(err.max()) / a)
            rel_rms.append(float(np.sqrt(np.mean(err ** 2))) / a)
            snr.append(float(np.sqrt(np.mean(err ** 2)) / np.sqrt(np.mean(x.astype(np.float64) ** 2))))
    # zkshard measures against the JSON decimals, this script against the float32 values they stand for.
    if not np.isclose(worst, report["max_abs_error"], rtol=1e-5, atol=0):
        sys.exit(f"{name}: zkshard reports max error {report['max_abs_error']}, measured {worst}")
    n = flat[0].size
    blocks = -(-n // block)
    row = {
        "tensor": name, "values": n, "block_size": block,
        "zkact_bytes": single["zkact_bytes"], "json_bytes": single["json_bytes"], "float32_bytes": single["float32_bytes"],
        "ratio_vs_float32": single["ratio_vs_float32"], "ratio_vs_json": single["ratio_vs_json"],
        "payload_ratio_vs_float32": 4 * n / (n + 4 * blocks),
        "batch_samples": len(flat), "batch_ratio_vs_float32": report["ratio_vs_float32"], "batch_ratio_vs_json": report["ratio_vs_json"],
        "max_error_over_absmax": max(rel_max), "rms_error_over_absmax": float(np.mean(rel_rms)),
        "rms_error_over_rms": float(np.mean(snr)),
    }
    if tail is not None:
        feed = tail.get_inputs()[0]
        shape = [d if isinstance(d, int) else 1 for d in feed.shape]
        preds = np.array([int(np.argmax(tail.run(None, {feed.name: y.reshape(shape)})[0])) for y in decoded])
    elif baseline is not None:  # the logits themselves
        preds = np.array([int(np.argmax(y)) for y in decoded])
    if baseline is not None:
        row["top1_changed"] = int(np.sum(preds != baseline))
        row["changed_samples"] = [int(i) for i in np.nonzero(preds != baseline)[0]]
        row["accuracy_after"] = float(np.mean(preds == labels))
    return row


def model_rows(zk, model_name, inputs, labels, tmp):
    path = os.path.join(ROOT, "circuits", model_name, "model.onnx")
    model = shape_inference.infer_shapes(onnx.load(path))
    names = ACTIVATIONS[model_name]
    known = {v.name: v for v in list(model.graph.value_info) + list(model.graph.output)}
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    for n in names:
        if n not in ("input", "logits"):
            probe.graph.output.append(known[n])
    s = session(probe.SerializeToString())
    feed = s.get_inputs()[0]
    shape = [d if isinstance(d, int) else 1 for d in feed.shape]
    out_names = [o.name for o in s.get_outputs()]
    acts = {n: [] for n in names}
    for x in inputs:
        xin = np.asarray(x, dtype=np.float32).reshape(shape)
        outs = dict(zip(out_names, s.run(None, {feed.name: xin})))
        acts["input"].append(xin)
        for n in names[1:]:
            acts[n].append(outs[n])
    baseline = np.array([int(np.argmax(l)) for l in acts["logits"]])
    top2 = np.sort(np.stack([np.ravel(l) for l in acts["logits"]]), axis=1)[:, -2:]
    margins = top2[:, 1] - top2[:, 0]
    print(f"{model_name}: float accuracy {np.mean(baseline == labels) * 100:.2f} % on {len(labels)} test inputs", file=sys.stderr)
    rows = []
    for n in names:
        tail = None
        if n == "input":
            tail = session(model.SerializeToString())
        elif n != "logits":
            sub = os.path.join(tmp, f"{model_name}-{n}.onnx")
            onnx.utils.extract_model(path, sub, [n], ["logits"])
            tail = session(open(sub, "rb").read())
        for b in BLOCK_SIZES:
            row = measure(zk, n, acts[n], b, tail=tail, baseline=baseline, labels=labels)
            row["model"] = model_name
            row["shape"] = list(np.asarray(acts[n][0]).shape)
            row["changed_margins"] = [float(margins[i]) for i in row["changed_samples"]]
            rows.append(row)
            print(f"  {n} block {b}: done", file=sys.stderr)
    note = (f"{model_name}: the smallest float top-1 − top-2 logit margins: "
            + ", ".join(f"{margins[i]:.4g} (test input {i})" for i in np.argsort(margins)[:3]))
    return rows, float(np.mean(baseline == labels)), note


def synthetic_rows(zk):
    rng = np.random.default_rng(20240601)
    tensors = {
        "gaussian N(0,1)": rng.standard_normal(SYNTHETIC_SIZE).astype(np.float32),
        "student-t ν=3": rng.standard_t(3, SYNTHETIC_SIZE).astype(np.float32),
    }
    rows = []
    for name, t in tensors.items():
        for b in BLOCK_SIZES:
            row = measure(zk, name, [t], b)
            row["model"] = "synthetic"
            row["shape"] = [SYNTHETIC_SIZE]
            rows.append(row)
    return rows


def pct(x):
    return f"{100 * x:.3f} %"


def print_tables(rows, accuracy, samples):
    """Markdown: size, error and top-1 tables, one row per tensor, one column per block size."""
    tensors = []
    for r in rows:
        key = (r["model"], r["tensor"])
        if key not in tensors:
            tensors.append(key)
    cell = {(r["model"], r["tensor"], r["block_size"]): r for r in rows}
    head = " | ".join(f"B = {b}" for b in BLOCK_SIZES)
    sep = " | ".join("---:" for _ in BLOCK_SIZES)

    print("Size of one sample's tensor as a .zkact file: ratio to float32 (4 bytes a value) / to the JSON text\n")
    print(f"| model | tensor | values | float32 B | JSON B | {head} |")
    print(f"| --- | --- | ---: | ---: | ---: | {sep} |")
    for m, t in tensors:
        r0 = cell[(m, t, BLOCK_SIZES[0])]
        cells = " | ".join(f"{cell[(m, t, b)]['ratio_vs_float32']:.2f}× / {cell[(m, t, b)]['ratio_vs_json']:.2f}×" for b in BLOCK_SIZES)
        print(f"| {m} | {t} | {r0['values']} | {r0['float32_bytes']} | {r0['json_bytes']} | {cells} |")
    payload = " | ".join(f"{4 / (1 + 4 / b):.2f}×" for b in BLOCK_SIZES)
    print(f"| payload only | codes + scales, n a multiple of B | | | | {payload} |")
    print()

    print(f"Size of one file holding every sample's tensor (one tensor a sample): ratio to float32 / to the JSON text\n")
    print(f"| model | tensor | samples | {head} |")
    print(f"| --- | --- | ---: | {sep} |")
    for m, t in tensors:
        if m == "synthetic":
            continue
        cells = " | ".join(f"{cell[(m, t, b)]['batch_ratio_vs_float32']:.2f}× / {cell[(m, t, b)]['batch_ratio_vs_json']:.2f}×" for b in BLOCK_SIZES)
        print(f"| {m} | {t} | {cell[(m, t, BLOCK_SIZES[0])]['batch_samples']} | {cells} |")
    print()

    print("Error relative to the tensor's absmax: RMS (mean over samples) / worst max; in brackets RMS error relative to the tensor's RMS\n")
    print(f"| model | tensor | {head} |")
    print(f"| --- | --- | {sep} |")
    for m, t in tensors:
        cells = " | ".join(f"{pct(cell[(m, t, b)]['rms_error_over_absmax'])} / {pct(cell[(m, t, b)]['max_error_over_absmax'])} "
                           f"({pct(cell[(m, t, b)]['rms_error_over_rms'])})" for b in BLOCK_SIZES)
        print(f"| {m} | {t} | {cells} |")
    print()

    print(f"Top-1 predictions that change when the tensor passes through encode/decode (of {samples} test inputs)\n")
    print(f"| model | tensor | {head} |")
    print(f"| --- | --- | {sep} |")
    for m, t in tensors:
        if "top1_changed" not in cell[(m, t, BLOCK_SIZES[0])]:
            continue
        cells = []
        for b in BLOCK_SIZES:
            r = cell[(m, t, b)]
            cells.append(str(r["top1_changed"]) + (f" (accuracy {100 * r['accuracy_after']:.2f} %)" if r["top1_changed"] else ""))
        print(f"| {m} | {t} | {' | '.join(cells)} |")
    print()
    for m, a in accuracy.items():
        print(f"- {m}: float top-1 accuracy {100 * a:.2f} % on these inputs")
    changed = {}
    for r in rows:
        for i, g in zip(r.get("changed_samples", []), r.get("changed_margins", [])):
            changed.setdefault((r["model"], i), (g, []))[1].append(f"{r['tensor']} B={r['block_size']}")
    for (m, i), (g, where) in sorted(changed.items()):
        print(f"- {m} test input {i} (float top-1 − top-2 logit margin {g:.4g}) changes its prediction through: {', '.join(where)}")
    worst = max(r["max_error_over_absmax"] for r in rows)
    print(f"- worst max error / tensor absmax over every row: {pct(worst)} (bound: 1/254 = {pct(1 / 254)} plus float32 rounding)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--zkshard", default=os.environ.get("ZKSHARD_BIN", os.path.join(ROOT, ".build/release/zkshard")))
    ap.add_argument("--json", help="also write every measured row here")
    ap.add_argument("--samples", type=int, default=0, help="use only the first N test inputs (default: all)")
    args = ap.parse_args()
    with open(os.path.join(ROOT, "vectors/digits_vectors.json")) as f:
        vectors = json.load(f)
    inputs, labels = vectors["test_inputs"], np.array(vectors["test_labels"])
    if args.samples:
        inputs, labels = inputs[:args.samples], labels[:args.samples]
    with tempfile.TemporaryDirectory() as tmp:
        zk = Zkshard(args.zkshard, tmp)
        rows, accuracy, notes = [], {}, []
        for m in ACTIVATIONS:
            r, accuracy[m], note = model_rows(zk, m, inputs, labels, tmp)
            rows += r
            notes.append(note)
        rows += synthetic_rows(zk)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    print(f"machine: {cpu}, {os.cpu_count()} CPUs; python {platform.python_version()}, numpy {np.__version__}, "
          f"onnx {onnx.__version__}, onnxruntime {ort.__version__}; {zk.calls} zkshard calls\n")
    print_tables(rows, accuracy, len(labels))
    for n in notes:
        print(f"- {n}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": cpu, "rows": rows, "float_accuracy": accuracy}, f, indent=1)


if __name__ == "__main__":
    main()
