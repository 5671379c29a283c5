"""A compiled model circuit is an ordinary circom circuit: arkworks (groth16py) proves
`build/circuit.r1cs` from the `witness.wtns` that `zkshard prove` wrote, and zkshard verifies
that proof; the proof zkshard made verifies under arkworks."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TOOL = HERE / "groth16py_tool.py"
ZK = Path(os.environ.get("ZKSHARD", ROOT / ".build" / "release" / "zkshard"))

pytestmark = pytest.mark.zkshard


def run(*cmd):
    res = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=900)
    return res


def ok(res):
    assert res.returncode == 0, "%s\nexit %s\n%s\n%s" % (" ".join(res.args), res.returncode, res.stdout[-3000:], res.stderr[-3000:])
    return res


@pytest.mark.parametrize("model", ["digits_mlp", "digits_cnn"])
def test_arkworks_proves_the_compiled_circuit_and_zkshard_verifies(tmp_path, model):
    if not ZK.exists():
        pytest.fail("zkshard binary not found at %s (set ZKSHARD)" % ZK)
    src = ROOT / "circuits" / model
    build, proof = tmp_path / "build", tmp_path / "proof"
    ok(run(ZK, "compile", src / "model.onnx", "-o", build, "--quiet"))
    ok(run(ZK, "setup", build, "--quiet"))
    ok(run(ZK, "prove", build, "--input", src / "input.json", "-o", proof, "--quiet"))
    # zkshard's proof verifies under arkworks.
    ok(run(sys.executable, TOOL, "verify", "--vk", build / "verification_key.json",
           "--proof", proof / "proof.json", "--public", proof / "public.json"))
    # arkworks proves the same circuit from the same witness; zkshard verifies it.
    ark = tmp_path / "ark"
    ark.mkdir()
    ok(run(sys.executable, TOOL, "setup", build / "circuit.r1cs", "--pk", ark / "pk.bin", "--vk", ark / "vk.json"))
    ok(run(sys.executable, TOOL, "prove", "--pk", ark / "pk.bin", "--wtns", proof / "witness.wtns",
           "--proof", ark / "proof.json", "--public", ark / "public.json"))
    assert json.loads((ark / "public.json").read_text()) == json.loads((proof / "public.json").read_text())
    ok(run(ZK, "verify", "--vk", ark / "vk.json", "--proof", ark / "proof.json", "--public", ark / "public.json"))
    # and a changed output is rejected.
    pub = json.loads((ark / "public.json").read_text())
    pub[0] = str((int(pub[0]) + 1) % 21888242871839275222246405745257275088548364400416034343698204186575808495617)
    (ark / "bad.json").write_text(json.dumps(pub))
    assert run(ZK, "verify", "--vk", ark / "vk.json", "--proof", ark / "proof.json", "--public", ark / "bad.json").returncode == 1
