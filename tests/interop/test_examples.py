"""The examples in examples/ run as documented: a validator script over zkshard validate, and
sharded proving fanned out over a local Ray cluster, followed by validation."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ZK = Path(os.environ.get("ZKSHARD", ROOT / ".build" / "release" / "zkshard"))
MLP = ROOT / "circuits" / "digits_mlp"

pytestmark = pytest.mark.zkshard


def run(*cmd, **kw):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=900, **kw)


def ok(res):
    assert res.returncode == 0, "%s\nexit %s\n%s\n%s" % (" ".join(res.args), res.returncode, res.stdout[-3000:], res.stderr[-3000:])
    return res


@pytest.fixture(scope="module")
def sharded(tmp_path_factory):
    """digits_mlp compiled into 2 shards, set up, with three node keys."""
    d = tmp_path_factory.mktemp("sharded")
    ok(run(ZK, "compile", MLP / "model.onnx", "-o", d / "build", "--shards", "2", "--quiet"))
    ok(run(ZK, "setup", d / "build", "--quiet"))
    for n in ("a", "b", "c"):
        ok(run(ZK, "keygen", "-o", d / f"{n}.key"))
    return d


def test_validator_script_accepts_a_chain_and_names_a_tampered_receipt(sharded):
    d = sharded
    ok(run(ZK, "prove", d / "build", "--shard", "0", "--input", MLP / "input.json", "-o", d / "r0", "--sign", d / "a.key", "--quiet"))
    ok(run(ZK, "prove", d / "build", "--shard", "1", "--input", d / "r0" / "output.json", "-o", d / "r1", "--sign", d / "b.key", "--quiet"))
    keys = d / "trusted.txt"
    keys.write_text((d / "a.key.pub").read_text() + (d / "b.key.pub").read_text())
    script = ROOT / "examples" / "validate_receipts.py"
    env = dict(os.environ, ZKSHARD=str(ZK))
    res = ok(run(sys.executable, script, d / "build", d / "r0", d / "r1", "--keys", keys,
                 "--request", MLP / "input.json", "--result", d / "r1" / "output.json", env=env))
    assert "shard 0: output" in res.stdout and "shard 1: output" in res.stdout and res.stdout.strip().endswith("VALID"), res.stdout

    # Node b's receipt claims another output: invalid, exit 1, and the script says why.
    shutil.copytree(d / "r1", d / "forged")
    receipt = json.loads((d / "forged" / "receipt.json").read_text())
    receipt["output_commitment"] = "1"
    (d / "forged" / "receipt.json").write_text(json.dumps(receipt))
    res = run(sys.executable, script, d / "build", d / "r0", d / "forged", env=env)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "INVALID" in res.stdout and "signature" in res.stdout, res.stdout
    # A missing shard is bad input: exit 2.
    res = run(sys.executable, script, d / "build", d / "r0", env=env)
    assert res.returncode == 2 and "no receipt for shard 1" in res.stderr, res.stdout + res.stderr


def test_ray_pipeline_proves_every_shard_on_two_nodes_and_validates(sharded):
    pytest.importorskip("ray")
    d = sharded
    out = d / "ray"
    res = run(sys.executable, ROOT / "examples" / "ray_pipeline.py", "--build", d / "build", "--input", MLP / "input.json",
              "--keys", d / "a.key", d / "b.key", d / "c.key", "--replicas", "2", "--out", out,
              env=dict(os.environ, ZKSHARD=str(ZK), RAY_DEDUP_LOGS="0"))
    ok(res)
    assert "VALID" in res.stdout, res.stdout
    for k in range(2):
        for r in range(2):
            assert (out / f"shard{k}-node{r}" / "receipt.json").exists()
    # Both replicas of a shard agree on the output (honest nodes compute the same thing).
    outs = [json.loads((out / f"shard1-node{r}" / "receipt.json").read_text())["output_commitment"] for r in range(2)]
    assert outs[0] == outs[1]
    # The chained result is the unsharded run's (of the same quantized model).
    ran = json.loads(ok(run(ZK, "run", d / "build" / "model.zkq", "--input", MLP / "input.json")).stdout)
    assert json.loads((out / "shard1-node0" / "output.json").read_text())["outputs"] == ran["outputs"]
