#!/usr/bin/env python3
"""Build the bundled example models and their known-answer vectors from scikit-learn's digits.

Everything comes from scikit-learn's bundled 8x8 digits (`sklearn.datasets.load_digits`, no
download): pixels scaled to [0, 1] by x / 16 (exact binary fractions k/16), split by
`train_test_split(test_size=0.25, random_state=0, stratify=y)` into 1347 training and 450
test samples.

Outputs (paths relative to the output root, default the repository):

    circuits/digits_mlp/model.onnx            64-40-20-10 ReLU MLP trained by sklearn's
                                              MLPClassifier, written with onnx.helper
    circuits/digits_cnn/model.onnx            Conv-BN-Relu-MaxPool-Conv-Relu-AvgPool-Flatten-Gemm
                                              CNN trained by the small numpy trainer below
    circuits/digits_{mlp,cnn}/input.json      EZKL style {"input_data": [[64 floats]]}: the
                                              first test sample
    circuits/digits_{mlp,cnn}/calibration.json {"input_data": [[6400 floats]]}: the first 100
                                              training samples, concatenated
    circuits/digits_{mlp,cnn}/README.md       what the model is, its accuracy, how it was made
    vectors/models/digits_mlp_qdq.onnx        onnxruntime quantize_static, QDQ, int8/int8,
                                              per-channel weights
    vectors/models/digits_cnn_qoperator.onnx  onnxruntime quantize_static, QOperator, int8/int8
    vectors/digits_vectors.json               test split, labels, accuracies and the logits
                                              onnxruntime computes on each ONNX file

The onnxruntime logits are recorded as the shortest decimal that round-trips to the float32
output (so they are exact); the test inputs are exact (k/16). Sessions: CPU provider, one
thread, graph optimizations disabled, so each node runs as written (QDQ graphs run as
DequantizeLinear -> float op -> QuantizeLinear, not as fused integer kernels; see SESSION_NOTE).

Deterministic: fixed seeds, one BLAS / OpenMP thread for training, one onnxruntime thread for
the recorded logits (quantize_static's own calibration session keeps onnxruntime's default
threads; it only takes min/max over batch-1 runs). Running it twice on one machine gives
byte-identical files; another CPU or library version may round differently in
training, so the committed files, not a rerun elsewhere, are the reference.

Usage: python vectors/gen_digits_models.py [--out DIR]
"""

import os

# One thread everywhere before numpy loads its BLAS: training must not depend on the core count.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from importlib.metadata import version as pkg_version  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from onnxruntime.quantization import (  # noqa: E402
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quantize_static,
)
from onnxruntime.quantization.shape_inference import quant_pre_process  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

GENERATOR = "vectors/gen_digits_models.py"
OPSET = 13
IR_VERSION = 7  # the IR version that introduced opset 13; readers of older files accept it
CALIBRATION_SAMPLES = 100
MLP_SEED = 0
MLP_MAX_ITER = 500
CNN_SEED = 0
CNN_EPOCHS = 30
CNN_BATCH = 32
CNN_LR = 3e-3
BN_EPSILON = 1e-5

FILES = {
    "digits_mlp": "circuits/digits_mlp/model.onnx",
    "digits_cnn": "circuits/digits_cnn/model.onnx",
    "digits_mlp_qdq": "vectors/models/digits_mlp_qdq.onnx",
    "digits_cnn_qoperator": "vectors/models/digits_cnn_qoperator.onnx",
}
VECTORS = "vectors/digits_vectors.json"

# The session every recorded logit comes from; tests/interop/test_digits_models.py uses the same.
SESSION = {
    "providers": ["CPUExecutionProvider"],
    "intra_op_num_threads": 1,
    "inter_op_num_threads": 1,
    "graph_optimization_level": "ORT_DISABLE_ALL",
}
SESSION_NOTE = (
    "graph optimizations off, so every node runs as written and the logits follow the ONNX "
    "semantics (QDQ: DequantizeLinear -> float Gemm -> QuantizeLinear). With them on, onnxruntime "
    "fuses the QDQ MLP into com.microsoft QGemm integer kernels, whose results on an x64 CPU "
    "without VNNI were many output quanta away from those semantics for most test inputs."
)


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------


def load_split():
    digits = load_digits()
    x = digits.data.astype(np.float64) / 16.0  # integers 0..16 -> exact k/16
    y = digits.target.astype(np.int64)
    return train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)


# ---------------------------------------------------------------------------------------------
# onnxruntime
# ---------------------------------------------------------------------------------------------


def session(path):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = SESSION["intra_op_num_threads"]
    opts.inter_op_num_threads = SESSION["inter_op_num_threads"]
    opts.graph_optimization_level = getattr(ort.GraphOptimizationLevel, SESSION["graph_optimization_level"])
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=opts, providers=SESSION["providers"])


def run_logits(path, x, shape):
    """Logits for each row of x, one inference per sample (the models take batch 1)."""
    sess = session(path)
    name = sess.get_inputs()[0].name
    out = [sess.run(None, {name: row.astype(np.float32).reshape(shape)})[0].reshape(-1) for row in x]
    return np.stack(out).astype(np.float32)


class Calibration(CalibrationDataReader):
    def __init__(self, x, shape):
        self.rows = [row.astype(np.float32).reshape(shape) for row in x]
        self.i = 0

    def get_next(self):
        if self.i >= len(self.rows):
            return None
        self.i += 1
        return {"input": self.rows[self.i - 1]}

    def rewind(self):
        self.i = 0


# ---------------------------------------------------------------------------------------------
# ONNX writing
# ---------------------------------------------------------------------------------------------


def init(name, array):
    return numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name)


def make_model(name, nodes, initializers, input_shape, doc):
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, input_shape)],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])],
        initializer=initializers,
    )
    model = helper.make_model(
        graph,
        producer_name="zkshard " + GENERATOR,
        opset_imports=[helper.make_operatorsetid("", OPSET)],
        doc_string=doc,
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model


def save(model, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(model.SerializeToString())


# ---------------------------------------------------------------------------------------------
# MLP (scikit-learn)
# ---------------------------------------------------------------------------------------------


def train_mlp(x_train, y_train):
    """Adam with sklearn's defaults except the batch size; stops on its own (loss plateau) well before max_iter."""
    clf = MLPClassifier(
        hidden_layer_sizes=(40, 20),
        activation="relu",
        solver="adam",
        batch_size=64,
        max_iter=MLP_MAX_ITER,
        random_state=MLP_SEED,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.fit(x_train, y_train)
    return clf


def mlp_onnx(clf):
    (w1, w2, w3), (b1, b2, b3) = clf.coefs_, clf.intercepts_
    inits = [
        init("fc1.weight", w1.T), init("fc1.bias", b1),
        init("fc2.weight", w2.T), init("fc2.bias", b2),
        init("fc3.weight", w3.T), init("fc3.bias", b3),
    ]
    nodes = [
        helper.make_node("Gemm", ["input", "fc1.weight", "fc1.bias"], ["fc1"], name="fc1", transB=1),
        helper.make_node("Relu", ["fc1"], ["relu1"], name="relu1"),
        helper.make_node("Gemm", ["relu1", "fc2.weight", "fc2.bias"], ["fc2"], name="fc2", transB=1),
        helper.make_node("Relu", ["fc2"], ["relu2"], name="relu2"),
        helper.make_node("Gemm", ["relu2", "fc3.weight", "fc3.bias"], ["logits"], name="fc3", transB=1),
    ]
    doc = ("64-40-20-10 ReLU MLP for sklearn's 8x8 digits (pixels / 16); trained with sklearn "
           "MLPClassifier; logits are the pre-softmax outputs. Made by " + GENERATOR + ".")
    return make_model("digits_mlp", nodes, inits, [1, 64], doc)


# ---------------------------------------------------------------------------------------------
# CNN (numpy, im2col)
# ---------------------------------------------------------------------------------------------


def im2col3(x):
    """(N, C, H, W) -> (N*H*W, C*9) patches of a 3x3 window with pads 1, columns ordered (c, kh, kw)."""
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    patches = np.stack([xp[:, :, i:i + h, j:j + w] for i in range(3) for j in range(3)], axis=2)
    return patches.transpose(0, 3, 4, 1, 2).reshape(n * h * w, c * 9)


def col2im3(dcols, shape):
    """Adjoint of im2col3: scatter-add patch gradients back onto the (unpadded) input."""
    n, c, h, w = shape
    d = dcols.reshape(n, h, w, c, 9).transpose(0, 3, 4, 1, 2)
    dxp = np.zeros((n, c, h + 2, w + 2))
    for k in range(9):
        i, j = divmod(k, 3)
        dxp[:, :, i:i + h, j:j + w] += d[:, :, k]
    return dxp[:, :, 1:-1, 1:-1]


def conv3(x, wgt, b):
    n, _, h, w = x.shape
    cols = im2col3(x)
    out = cols @ wgt.reshape(wgt.shape[0], -1).T + b
    return out.reshape(n, h, w, -1).transpose(0, 3, 1, 2), cols


def conv3_backward(dout, cols, x_shape, wgt):
    o = wgt.shape[0]
    d = dout.transpose(0, 2, 3, 1).reshape(-1, o)
    dw = (d.T @ cols).reshape(wgt.shape)
    db = d.sum(axis=0)
    dx = col2im3(d @ wgt.reshape(o, -1), x_shape)
    return dx, dw, db


class CNN:
    """Conv(1->4) BN Relu MaxPool2 Conv(4->8) Relu AvgPool2 Flatten Gemm(32->10), float64."""

    def __init__(self, rng):
        he = lambda shape, fan_in: rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)  # noqa: E731
        self.p = {
            "w1": he((4, 1, 3, 3), 9),
            # The conv bias is redundant under batch norm (its gradient is zero), so it keeps its
            # random start: a non-zero bias that folding BN into the conv has to carry through.
            "b1": rng.uniform(-0.2, 0.2, 4),
            "gamma": np.ones(4),
            "beta": np.zeros(4),
            "w2": he((8, 4, 3, 3), 36),
            "b2": np.zeros(8),
            "w3": he((10, 32), 32),
            "b3": np.zeros(10),
        }
        self.mean = None
        self.var = None

    def forward(self, x, train):
        p = self.p
        c1, cols1 = conv3(x, p["w1"], p["b1"])
        if train:
            mean, var = c1.mean(axis=(0, 2, 3)), c1.var(axis=(0, 2, 3))
        else:
            mean, var = self.mean, self.var
        inv = 1.0 / np.sqrt(var + BN_EPSILON)
        xhat = (c1 - mean[None, :, None, None]) * inv[None, :, None, None]
        bn = xhat * p["gamma"][None, :, None, None] + p["beta"][None, :, None, None]
        r1 = np.maximum(bn, 0.0)
        n = x.shape[0]
        win = r1.reshape(n, 4, 4, 2, 4, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, 4, 4, 4, 4)
        arg = win.argmax(axis=-1)
        m1 = np.take_along_axis(win, arg[..., None], axis=-1)[..., 0]  # (n, 4, 4, 4)
        c2, cols2 = conv3(m1, p["w2"], p["b2"])
        r2 = np.maximum(c2, 0.0)
        a2 = r2.reshape(n, 8, 2, 2, 2, 2).mean(axis=(3, 5))  # (n, 8, 2, 2)
        f = a2.reshape(n, 32)
        logits = f @ p["w3"].T + p["b3"]
        cache = (x, cols1, xhat, inv, bn, arg, m1, cols2, c2, f)
        return logits, cache

    def backward(self, dlogits, cache):
        p = self.p
        x, cols1, xhat, inv, bn, arg, m1, cols2, c2, f = cache
        n = x.shape[0]
        g = {"w3": dlogits.T @ f, "b3": dlogits.sum(axis=0)}
        da2 = (dlogits @ p["w3"]).reshape(n, 8, 2, 2)
        dr2 = np.repeat(np.repeat(da2, 2, axis=2), 2, axis=3) / 4.0
        dc2 = dr2 * (c2 > 0)
        dm1, g["w2"], g["b2"] = conv3_backward(dc2, cols2, m1.shape, p["w2"])
        dwin = np.zeros((n, 4, 4, 4, 4))
        np.put_along_axis(dwin, arg[..., None], dm1[..., None], axis=-1)
        dr1 = dwin.reshape(n, 4, 4, 4, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, 4, 8, 8)
        dbn = dr1 * (bn > 0)
        g["gamma"] = (dbn * xhat).sum(axis=(0, 2, 3))
        g["beta"] = dbn.sum(axis=(0, 2, 3))
        m = n * 64
        dxhat = dbn * p["gamma"][None, :, None, None]
        s1 = dxhat.sum(axis=(0, 2, 3))[None, :, None, None]
        s2 = (dxhat * xhat).sum(axis=(0, 2, 3))[None, :, None, None]
        dc1 = (m * dxhat - s1 - xhat * s2) * inv[None, :, None, None] / m
        _, g["w1"], g["b1"] = conv3_backward(dc1, cols1, x.shape, p["w1"])
        return g

    def set_population_stats(self, x):
        """BN statistics for inference: mean and (biased) variance of conv1 over the training set."""
        c1, _ = conv3(x, self.p["w1"], self.p["b1"])
        self.mean, self.var = c1.mean(axis=(0, 2, 3)), c1.var(axis=(0, 2, 3))


def train_cnn(x_train, y_train, epochs=CNN_EPOCHS, batch=CNN_BATCH, lr=CNN_LR):
    rng = np.random.default_rng(CNN_SEED)
    net = CNN(rng)
    x = x_train.reshape(-1, 1, 8, 8)
    adam_m = {k: np.zeros_like(v) for k, v in net.p.items()}
    adam_v = {k: np.zeros_like(v) for k, v in net.p.items()}
    b1, b2, eps, t = 0.9, 0.999, 1e-8, 0
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch):
            idx = order[start:start + batch]
            logits, cache = net.forward(x[idx], train=True)
            z = logits - logits.max(axis=1, keepdims=True)
            prob = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
            prob[np.arange(len(idx)), y_train[idx]] -= 1.0
            grads = net.backward(prob / len(idx), cache)
            t += 1
            for k, gk in grads.items():
                adam_m[k] = b1 * adam_m[k] + (1 - b1) * gk
                adam_v[k] = b2 * adam_v[k] + (1 - b2) * gk * gk
                mhat = adam_m[k] / (1 - b1 ** t)
                vhat = adam_v[k] / (1 - b2 ** t)
                net.p[k] -= lr * mhat / (np.sqrt(vhat) + eps)
    net.set_population_stats(x)
    return net


def cnn_onnx(net):
    p = net.p
    inits = [
        init("conv1.weight", p["w1"]), init("conv1.bias", p["b1"]),
        init("bn1.scale", p["gamma"]), init("bn1.bias", p["beta"]),
        init("bn1.mean", net.mean), init("bn1.var", net.var),
        init("conv2.weight", p["w2"]), init("conv2.bias", p["b2"]),
        init("fc.weight", p["w3"]), init("fc.bias", p["b3"]),
    ]
    conv = dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1])
    pool = dict(kernel_shape=[2, 2], strides=[2, 2])
    nodes = [
        helper.make_node("Conv", ["input", "conv1.weight", "conv1.bias"], ["conv1"], name="conv1", **conv),
        helper.make_node("BatchNormalization", ["conv1", "bn1.scale", "bn1.bias", "bn1.mean", "bn1.var"],
                         ["bn1"], name="bn1", epsilon=BN_EPSILON),
        helper.make_node("Relu", ["bn1"], ["relu1"], name="relu1"),
        helper.make_node("MaxPool", ["relu1"], ["pool1"], name="pool1", **pool),
        helper.make_node("Conv", ["pool1", "conv2.weight", "conv2.bias"], ["conv2"], name="conv2", **conv),
        helper.make_node("Relu", ["conv2"], ["relu2"], name="relu2"),
        helper.make_node("AveragePool", ["relu2"], ["pool2"], name="pool2", **pool),
        helper.make_node("Flatten", ["pool2"], ["flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], name="fc", transB=1),
    ]
    doc = ("Small CNN for sklearn's 8x8 digits (pixels / 16, NCHW [1,1,8,8]); trained with the numpy "
           "trainer in " + GENERATOR + "; BatchNormalization carries the training-set statistics.")
    return make_model("digits_cnn", nodes, inits, [1, 1, 8, 8], doc)


# ---------------------------------------------------------------------------------------------
# Quantization
# ---------------------------------------------------------------------------------------------


def quantize(float_path, out_path, calib_x, shape, quant_format, per_channel, tmp):
    pre = Path(tmp) / (out_path.stem + "_pre.onnx")
    # Fixed shapes: ONNX shape inference is enough (symbolic inference would need sympy).
    quant_pre_process(str(float_path), str(pre), skip_symbolic_shape=True)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    quantize_static(
        str(pre),
        str(out_path),
        Calibration(calib_x, shape),
        quant_format=quant_format,
        per_channel=per_channel,
        activation_type=QuantType.QInt8,
        weight_type=QuantType.QInt8,
        calibrate_method=CalibrationMethod.MinMax,
    )
    model = onnx.load(str(out_path))
    onnx.checker.check_model(model)
    return model


def describe_quantized(model):
    """Op types (with domain), quantized initializer dtypes and per-channel axes, for the vectors."""
    inits = {t.name: t for t in model.graph.initializer}
    ops = sorted({n.op_type for n in model.graph.node})
    domains = {n.op_type: n.domain or "ai.onnx" for n in model.graph.node}
    zp_types = set()
    per_channel = False
    for n in model.graph.node:
        if n.op_type in ("QuantizeLinear", "DequantizeLinear") and len(n.input) > 2 and n.input[2] in inits:
            zp_types.add(TensorProto.DataType.Name(inits[n.input[2]].data_type))
            if len(inits[n.input[1]].dims) == 1 and inits[n.input[1]].dims[0] > 1:
                per_channel = True
        for i, name in enumerate(n.input):
            if name.endswith("zero_point") and name in inits:
                zp_types.add(TensorProto.DataType.Name(inits[name].data_type))
                if len(inits[name].dims) == 1 and inits[name].dims[0] > 1:
                    per_channel = True
    return {
        "op_types": ops,
        "op_domains": {k: domains[k] for k in ops},
        "zero_point_types": sorted(zp_types),
        "per_channel_weights": per_channel,
        "opset": {(o.domain or "ai.onnx"): o.version for o in model.opset_import},
    }


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


def f32(v):
    """The shortest decimal that round-trips to this float32, as a Python float."""
    return float(str(np.float32(v)))


def dumps(obj, indent=0):
    """JSON with one line per list of numbers, so the file stays small and diffable."""
    pad = " " * indent
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f'{pad} {json.dumps(k)}: {dumps(v, indent + 1)}' for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and obj and isinstance(obj[0], (dict, list)):
        items = [pad + " " + dumps(v, indent + 1) for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(obj)


def write_json(path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(obj) + "\n")


README_MODEL = {
    "digits_mlp": ("A 64-40-20-10 multilayer perceptron with ReLU", "[1, 64]",
                   "Gemm(transB=1) -> Relu -> Gemm(transB=1) -> Relu -> Gemm(transB=1)",
                   "64 pixels, row-major"),
    "digits_cnn": ("A small convolutional network", "[1, 1, 8, 8]",
                   "Conv(1->4, 3x3, pads 1) -> BatchNormalization -> Relu -> MaxPool(2x2, stride 2) -> "
                   "Conv(4->8, 3x3, pads 1) -> Relu -> AveragePool(2x2, stride 2) -> Flatten -> Gemm(32->10, transB=1)",
                   "64 pixels, NCHW [1, 1, 8, 8] flattened (the same row-major order)"),
}


def readme(name, acc, correct, total, training, quantized, label):
    what, shape, graph, layout = README_MODEL[name]
    return f"""# {name}

{what} that classifies scikit-learn's bundled 8x8 handwritten digits
(`sklearn.datasets.load_digits`).

| file | what |
| --- | --- |
| `model.onnx` | float32 ONNX, opset 13: input `input` {shape}, output `logits` [1, 10] (pre-softmax); {graph} |
| `input.json` | EZKL-style `{{"input_data": [[64 floats]]}}`: the first test sample (a {label}) |
| `calibration.json` | `{{"input_data": [[6400 floats]]}}`: the first {CALIBRATION_SAMPLES} training samples concatenated (a length that is a multiple of the input size is that many samples) |

Inputs: {layout}; each pixel is its 0..16 value divided by 16, so exactly k/16 in [0, 1].

Float accuracy on the test split (onnxruntime): {100 * acc:.2f} % ({correct}/{total}).

Made by `{GENERATOR}` (deterministic; regenerate rather than edit): the split is
`train_test_split(test_size=0.25, random_state=0, stratify=y)`; trained with {training}.
The same script writes the onnxruntime-quantized variant `{FILES[quantized]}` and the
known-answer logits of both in `{VECTORS}`; `tests/interop/test_digits_models.py` checks them.
"""


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def accuracy(logits, labels):
    return float(np.mean(np.argmax(logits, axis=1) == labels))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent.parent),
                    help="root to write under (default: the repository)")
    args = ap.parse_args()
    root = Path(args.out)
    t0 = time.perf_counter()

    x_train, x_test, y_train, y_test = load_split()
    calib = x_train[:CALIBRATION_SAMPLES]

    with threadpool_limits(limits=1):
        clf = train_mlp(x_train, y_train)
        t_mlp = time.perf_counter()
        net = train_cnn(x_train, y_train)
        t_cnn = time.perf_counter()
    mlp_ref = float(clf.score(x_test, y_test))
    training = {
        "digits_mlp": f"sklearn MLPClassifier(hidden_layer_sizes=(40, 20), batch_size=64, max_iter={MLP_MAX_ITER}, "
                      f"random_state={MLP_SEED}), Adam; stopped on its loss plateau after {clf.n_iter_} epochs",
        "digits_cnn": f"the numpy trainer in {GENERATOR}: softmax cross-entropy, Adam lr {CNN_LR}, batch {CNN_BATCH}, "
                      f"{CNN_EPOCHS} epochs, seed {CNN_SEED}, BN on batch statistics; exported BN mean/var are "
                      "the (biased) statistics of conv1 over the whole training split, epsilon 1e-5",
    }
    cnn_ref = accuracy(net.forward(x_test.reshape(-1, 1, 8, 8), train=False)[0], y_test)

    paths = {k: root / v for k, v in FILES.items()}
    save(mlp_onnx(clf), paths["digits_mlp"])
    save(cnn_onnx(net), paths["digits_cnn"])

    shapes = {"digits_mlp": [1, 64], "digits_cnn": [1, 1, 8, 8]}
    with tempfile.TemporaryDirectory() as tmp:
        qdq = quantize(paths["digits_mlp"], paths["digits_mlp_qdq"], calib, shapes["digits_mlp"],
                       QuantFormat.QDQ, True, tmp)
        qop = quantize(paths["digits_cnn"], paths["digits_cnn_qoperator"], calib, shapes["digits_cnn"],
                       QuantFormat.QOperator, True, tmp)
    t_quant = time.perf_counter()

    sample_inputs = {
        "input.json": {"input_data": [x_test[0].tolist()]},
        "calibration.json": {"input_data": [calib.reshape(-1).tolist()]},
    }
    for name in ("digits_mlp", "digits_cnn"):
        for fname, obj in sample_inputs.items():
            write_json(root / "circuits" / name / fname, obj)

    models = {}
    float_acc = {}
    for name, source, trainer_acc in (("digits_mlp", None, mlp_ref), ("digits_cnn", None, cnn_ref),
                                      ("digits_mlp_qdq", "digits_mlp", None),
                                      ("digits_cnn_qoperator", "digits_cnn", None)):
        shape = shapes[source or name]
        logits = run_logits(paths[name], x_test, shape)
        acc = accuracy(logits, y_test)
        entry = {"file": FILES[name], "sha256": sha256(paths[name]), "input_shape": shape}
        if source is None:
            float_acc[name] = acc
            entry["float_accuracy"] = acc
            entry["trainer_float64_accuracy"] = trainer_acc
            entry["training"] = training[name]
        else:
            q = qdq if name == "digits_mlp_qdq" else qop
            entry.update({
                "source_model": source,
                "quantize_static": {
                    "quant_format": "QDQ" if q is qdq else "QOperator",
                    "activation_type": "QInt8",
                    "weight_type": "QInt8",
                    "per_channel": True,
                    "calibrate_method": "MinMax",
                    "calibration": f"first {CALIBRATION_SAMPLES} training samples "
                                   "(circuits/" + source + "/calibration.json)",
                    "pre_process": "quant_pre_process(skip_symbolic_shape=True)",
                },
                **describe_quantized(q),
                "float_accuracy": float_acc[source],
                "onnxruntime_accuracy": acc,
            })
        entry["onnxruntime_logits"] = [[f32(v) for v in row] for row in logits]
        models[name] = entry

    for name, floor in (("digits_mlp", 0.95), ("digits_cnn", 0.90)):
        if float_acc[name] < floor:
            sys.exit(f"{name}: float accuracy {float_acc[name]:.4f} is below {floor}")

    vectors = {
        "generator": GENERATOR,
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scikit-learn": pkg_version("scikit-learn"),
            "scipy": pkg_version("scipy"),
            "onnx": onnx.__version__,
            "onnxruntime": ort.__version__,
        },
        "dataset": {
            "source": "sklearn.datasets.load_digits (bundled with scikit-learn)",
            "scaling": "x / 16 (exact k/16 values in [0, 1])",
            "split": "train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)",
            "train_size": int(len(x_train)),
            "test_size": int(len(x_test)),
            "layout": "64 pixels row-major; the CNN reads them as NCHW [1, 1, 8, 8]",
        },
        "onnxruntime_session": {**SESSION, "note": SESSION_NOTE},
        "logit_rounding": "shortest decimal that round-trips to the float32 output",
        "test_inputs": x_test.tolist(),
        "test_labels": y_test.tolist(),
        "models": models,
    }
    write_json(root / VECTORS, vectors)
    for name, quantized in (("digits_mlp", "digits_mlp_qdq"), ("digits_cnn", "digits_cnn_qoperator")):
        text = readme(name, float_acc[name], int(round(float_acc[name] * len(y_test))), len(y_test),
                      training[name], quantized, int(y_test[0]))
        (root / "circuits" / name / "README.md").write_text(text)

    t_end = time.perf_counter()
    for name, entry in models.items():
        extra = f" ops={entry['op_types']}" if "op_types" in entry else ""
        acc = entry.get("onnxruntime_accuracy", entry["float_accuracy"])
        print(f"{name}: accuracy {acc:.4f}{extra}", file=sys.stderr)
    print(f"time: mlp {t_mlp - t0:.1f} s, cnn {t_cnn - t_mlp:.1f} s, quantize {t_quant - t_cnn:.1f} s, "
          f"total {t_end - t0:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
