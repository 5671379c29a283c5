"""Live checks of the bundled digits models against their known-answer vectors.

vectors/digits_vectors.json (made by vectors/gen_digits_models.py) holds the digits test split
and the logits onnxruntime computed on each committed ONNX file. These tests re-run
onnxruntime with the recorded session options, re-derive the split from scikit-learn, check
the EZKL-style input files, and evaluate the two quantized models with a small numpy
interpreter of the ONNX (and com.microsoft) quantized-op semantics, so the recorded logits are
known to be what those semantics give, not an artefact of one onnxruntime kernel.
"""

import hashlib
import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import numpy_helper

ROOT = Path(__file__).resolve().parents[2]
VECTORS = json.loads((ROOT / "vectors" / "digits_vectors.json").read_text())
MODELS = VECTORS["models"]
FLOAT_MODELS = ("digits_mlp", "digits_cnn")
QUANTIZED_MODELS = ("digits_mlp_qdq", "digits_cnn_qoperator")
ACCURACY_FLOOR = {"digits_mlp": 0.95, "digits_cnn": 0.90}

X_TEST = np.array(VECTORS["test_inputs"], dtype=np.float32)
Y_TEST = np.array(VECTORS["test_labels"], dtype=np.int64)


def model_path(name):
    return ROOT / MODELS[name]["file"]


def recorded_logits(name):
    return np.array(MODELS[name]["onnxruntime_logits"], dtype=np.float32)


def accuracy(logits):
    return float(np.mean(np.argmax(logits, axis=1) == Y_TEST))


def ort_logits(name):
    s = VECTORS["onnxruntime_session"]
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = s["intra_op_num_threads"]
    opts.inter_op_num_threads = s["inter_op_num_threads"]
    opts.graph_optimization_level = getattr(ort.GraphOptimizationLevel, s["graph_optimization_level"])
    sess = ort.InferenceSession(str(model_path(name)), sess_options=opts, providers=s["providers"])
    shape = MODELS[name]["input_shape"]
    return np.stack([sess.run(None, {"input": x.reshape(shape)})[0].reshape(-1) for x in X_TEST])


_LIVE = {}


def live_logits(name):
    if name not in _LIVE:
        _LIVE[name] = ort_logits(name)
    return _LIVE[name]


# ---------------------------------------------------------------------------------------------
# Files and data
# ---------------------------------------------------------------------------------------------


def test_vectors_shape():
    assert X_TEST.shape == (VECTORS["dataset"]["test_size"], 64)
    assert Y_TEST.shape == (len(X_TEST),)
    assert set(MODELS) == set(FLOAT_MODELS) | set(QUANTIZED_MODELS)
    # Exact k/16 pixels in [0, 1].
    assert np.array_equal(X_TEST * 16, np.round(X_TEST * 16))
    assert X_TEST.min() >= 0 and X_TEST.max() <= 1
    for entry in MODELS.values():
        assert len(entry["onnxruntime_logits"]) == len(X_TEST)
        assert all(len(row) == 10 for row in entry["onnxruntime_logits"])


def test_split_matches_sklearn():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = digits.data / 16.0
    x_train, x_test, _, y_test = train_test_split(x, digits.target, test_size=0.25, random_state=0,
                                                  stratify=digits.target)
    assert np.array_equal(np.array(VECTORS["test_inputs"]), x_test)
    assert VECTORS["test_labels"] == y_test.tolist()
    for name in FLOAT_MODELS:
        folder = ROOT / "circuits" / name
        single = json.loads((folder / "input.json").read_text())
        calib = json.loads((folder / "calibration.json").read_text())
        assert list(single) == ["input_data"] and list(calib) == ["input_data"]
        assert single["input_data"] == [x_test[0].tolist()]
        assert len(calib["input_data"]) == 1 and len(calib["input_data"][0]) == 100 * 64
        assert np.array_equal(np.array(calib["input_data"][0]).reshape(100, 64), x_train[:100])


@pytest.mark.parametrize("name", sorted(MODELS))
def test_file_digest_and_checker(name):
    path = model_path(name)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == MODELS[name]["sha256"], (
        f"{path.name} changed: rerun vectors/gen_digits_models.py")
    onnx.checker.check_model(str(path), full_check=True)
    model = onnx.load(str(path))
    (inp,), (out,) = model.graph.input, model.graph.output
    assert inp.name == "input" and out.name == "logits"
    dims = lambda v: [d.dim_value if d.HasField("dim_value") else None for d in v.type.tensor_type.shape.dim]  # noqa: E731
    assert dims(inp) == MODELS[name]["input_shape"] and dims(out) == [1, 10]
    assert inp.type.tensor_type.elem_type == out.type.tensor_type.elem_type == onnx.TensorProto.FLOAT


def test_float_graphs_as_specified():
    expected = {
        "digits_mlp": ["Gemm", "Relu", "Gemm", "Relu", "Gemm"],
        "digits_cnn": ["Conv", "BatchNormalization", "Relu", "MaxPool", "Conv", "Relu", "AveragePool",
                       "Flatten", "Gemm"],
    }
    for name, ops in expected.items():
        model = onnx.load(str(model_path(name)))
        assert [n.op_type for n in model.graph.node] == ops
        assert [(o.domain, o.version) for o in model.opset_import] == [("", 13)]
        assert all(t.data_type == onnx.TensorProto.FLOAT for t in model.graph.initializer)
        for node in model.graph.node:
            if node.op_type == "Gemm":
                assert onnx.helper.get_node_attr_value(node, "transB") == 1
    # BatchNormalization must not be an identity, so importers really fold it.
    cnn = {t.name: numpy_helper.to_array(t) for t in onnx.load(str(model_path("digits_cnn"))).graph.initializer}
    assert not np.allclose(cnn["bn1.scale"], 1) and not np.allclose(cnn["bn1.bias"], 0)
    assert not np.allclose(cnn["bn1.mean"], 0) and not np.allclose(cnn["bn1.var"], 1)
    assert not np.allclose(cnn["conv1.bias"], 0)


@pytest.mark.parametrize("name", QUANTIZED_MODELS)
def test_quantized_description(name):
    model = onnx.load(str(model_path(name)))
    entry = MODELS[name]
    assert sorted({n.op_type for n in model.graph.node}) == entry["op_types"]
    assert {n.op_type: n.domain or "ai.onnx" for n in model.graph.node} == entry["op_domains"]


# ---------------------------------------------------------------------------------------------
# onnxruntime, live
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(MODELS))
def test_onnxruntime_logits_match(name):
    live = live_logits(name)
    want = recorded_logits(name)
    assert live.shape == want.shape
    np.testing.assert_allclose(live, want, rtol=0, atol=1e-5)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_accuracy(name):
    entry = MODELS[name]
    live = accuracy(live_logits(name))
    if name in FLOAT_MODELS:
        assert live == entry["float_accuracy"]
        assert live >= ACCURACY_FLOOR[name]
    else:
        assert live == entry["onnxruntime_accuracy"]
        assert entry["float_accuracy"] == MODELS[entry["source_model"]]["float_accuracy"]
        assert live >= ACCURACY_FLOOR[entry["source_model"]]


# ---------------------------------------------------------------------------------------------
# Quantized semantics, independently of onnxruntime
# ---------------------------------------------------------------------------------------------


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _saturate(v, zp):
    info = np.iinfo(zp.dtype)
    return np.clip(v, info.min, info.max).astype(zp.dtype)


def _requantize(acc, multiplier, zp):
    """int32 accumulator -> int8: round-half-even(float32(acc) * float32 multiplier) + zero point."""
    return _saturate(np.rint(acc.astype(np.float32) * multiplier.astype(np.float32)) + zp.astype(np.int64), zp)


def _conv3x3(x, w):
    """Integer NCHW convolution, 3x3 kernel, pads 1, stride 1, int64 accumulation."""
    n, c, h, wd = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    cols = np.stack([xp[:, :, i:i + h, j:j + wd] for i in range(3) for j in range(3)], axis=2)
    cols = cols.transpose(0, 3, 4, 1, 2).reshape(n * h * wd, c * 9)
    out = cols @ w.reshape(w.shape[0], -1).T
    return out.reshape(n, h, wd, -1).transpose(0, 3, 1, 2)


def _pool2(x, reduce):
    n, c, h, w = x.shape
    return reduce(x.reshape(n, c, h // 2, 2, w // 2, 2), axis=(3, 5))


def _channel(v, ndim):
    """A per-output-channel vector shaped to broadcast over axis 1 of an ndim tensor."""
    v = np.asarray(v)
    return v.reshape((1, -1) + (1,) * (ndim - 2)) if v.ndim == 1 else v


def run_reference(path, x):
    """Evaluate a quantized graph on a batch, following the ONNX / com.microsoft op definitions."""
    model = onnx.load(str(path))
    env = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    env["input"] = x
    for node in model.graph.node:
        a = _attrs(node)
        i = [env[name] if name else None for name in node.input]
        op = node.op_type
        if op == "QuantizeLinear":
            assert i[1].ndim == 0
            y = _saturate(np.rint(i[0] / i[1]) + i[2].astype(np.int64), i[2])
        elif op == "DequantizeLinear":
            q, s, zp = i
            if s.ndim == 1:  # per-axis (only on initializers here)
                shape = [1] * q.ndim
                shape[a.get("axis", 1)] = -1
                s, zp = s.reshape(shape), zp.reshape(shape)
            y = (q.astype(np.int64) - zp.astype(np.int64)).astype(np.float32) * s
        elif op == "Gemm":
            assert a.get("transB") == 1 and not a.get("transA") and a.get("alpha", 1.0) == 1.0
            y = (i[0] @ i[1].T + i[2]).astype(np.float32)
        elif op == "QLinearConv":
            assert a["kernel_shape"] == [3, 3] and a["pads"] == [1, 1, 1, 1] and a.get("strides", [1, 1]) == [1, 1]
            assert a.get("group", 1) == 1
            xq, xs, xzp, w, ws, wzp, ys, yzp, b = i
            acc = _conv3x3(xq.astype(np.int64) - xzp, w.astype(np.int64) - np.reshape(wzp, (-1, 1, 1, 1)))
            acc = acc + _channel(b, 4)
            y = _requantize(acc, _channel(np.float32(xs) * ws / np.float32(ys), 4), yzp)
        elif op == "MaxPool":
            assert a["kernel_shape"] == [2, 2] and a["strides"] == [2, 2]
            y = _pool2(i[0], np.max)
        elif op == "QLinearAveragePool":  # com.microsoft: average of dequantized values, requantized
            assert a["kernel_shape"] == [2, 2] and a["strides"] == [2, 2]
            xq, xs, xzp, ys, yzp = i
            avg = _pool2((xq.astype(np.int64) - xzp).astype(np.float32) * xs, np.mean).astype(np.float32)
            y = _saturate(np.rint(avg / ys) + yzp.astype(np.int64), yzp)
        elif op == "Flatten":
            assert a.get("axis", 1) == 1
            y = i[0].reshape(len(i[0]), -1)
        elif op == "QGemm":  # com.microsoft: integer GEMM with int32 bias, requantized output
            assert a.get("transB") == 1 and not a.get("transA")
            aq, as_, azp, bq, bs, bzp, c, ys, yzp = i
            acc = (aq.astype(np.int64) - azp) @ (bq.astype(np.int64) - bzp.reshape(-1, 1)).T + c
            y = _requantize(acc, np.float32(a.get("alpha", 1.0)) * np.float32(as_) * bs / np.float32(ys), yzp)
        else:
            raise AssertionError(f"reference interpreter has no {op}")
        env[node.output[0]] = y
    return env["logits"]


def _output_scale(path):
    model = onnx.load(str(path))
    return float(next(numpy_helper.to_array(t) for t in model.graph.initializer if t.name == "logits_scale"))


def test_qoperator_reference_is_exact():
    # Integer accumulation and an elementwise float32 requantization: no summation order to vary.
    name = "digits_cnn_qoperator"
    ref = run_reference(model_path(name), X_TEST.reshape(-1, 1, 8, 8))
    np.testing.assert_array_equal(ref.reshape(len(X_TEST), 10), recorded_logits(name))


def test_qdq_reference_within_one_quantum():
    # The float Gemm between DequantizeLinear and QuantizeLinear may sum in another order than
    # onnxruntime's, which can move a hidden value across a rounding boundary: allow one output
    # quantum on a few rows. (On the machine that made the vectors the two agree exactly.)
    name = "digits_mlp_qdq"
    ref = run_reference(model_path(name), X_TEST)
    quanta = np.rint(np.abs(ref - recorded_logits(name)) / _output_scale(model_path(name)))
    assert quanta.max() <= 1
    assert int((quanta.max(axis=1) > 0).sum()) <= 3
