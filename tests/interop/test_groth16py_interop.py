"""Interop tests: zkshard <-> groth16py (arkworks BN254 Groth16) over circom/snarkjs files.

Run (from the repo root, with tests/interop/requirements.txt installed):

    pytest tests/interop                      # everything; needs the zkshard binary
    pytest tests/interop -m "not zkshard"     # only the pure-Python / groth16py tests
    ZKSHARD=/path/to/zkshard pytest tests/interop

The zkshard binary is $ZKSHARD, default .build/release/zkshard under the repo root. Tests
marked `zkshard` FAIL (not skip) with a clear message when it is missing.

Exit-code contract checked for `zkshard verify`: 0 valid, 1 invalid, 2 bad input. A proof
that is well-formed (points on the curve, in the subgroup, canonical coordinates, right
number of public values < r) but wrong must give exactly 1. Malformed input (point off the
curve / outside the G2 subgroup, G2 coordinates in the wrong order, public value >= r, wrong
public count) must be rejected with 1 or 2, never 0 and never a crash. Unparseable JSON or a
missing file must give 2.
"""

import copy
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import gen_synthetic_r1cs as gen
import groth16py_tool as tool

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TOOL = HERE / "groth16py_tool.py"
GEN = HERE / "gen_synthetic_r1cs.py"

R = gen.R
Q = tool.Q
TIMEOUT = 900

# (id, constraints, public inputs, public outputs)
CIRCUITS = [
    ("c64", 64, 2, 1),
    ("c1000", 1000, 2, 1),
    ("c64_multi", 64, 4, 3),
]


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def run(cmd, timeout=TIMEOUT):
    return subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, timeout=timeout
    )


def describe(res):
    return "command: %s\nexit: %s\nstdout:\n%s\nstderr:\n%s" % (
        " ".join(res.args), res.returncode, res.stdout[-4000:], res.stderr[-4000:]
    )


def expect_rc(res, allowed):
    if isinstance(allowed, int):
        allowed = (allowed,)
    assert res.returncode in allowed, "expected exit %s\n%s" % (allowed, describe(res))
    return res


def g16(*args):
    return run([sys.executable, TOOL, *args])


def g16_verify(vk, proof, public):
    return g16("verify", "--vk", vk, "--proof", proof, "--public", public)


def zk_verify(zk, vk, proof, public, *extra):
    return run([zk, "verify", "--vk", vk, "--proof", proof, "--public", public, *extra])


def load(path):
    with open(path) as f:
        return json.load(f)


def dump(obj, path):
    with open(path, "w") as f:
        json.dump(obj, f)
    return path


def make_circuit(d, n, n_pub_in, n_pub_out, seed=1):
    d = Path(d)
    d.mkdir(parents=True, exist_ok=True)
    c = gen.build(n, n_pub_in=n_pub_in, n_pub_out=n_pub_out, seed=seed)
    paths = gen.write_all(c, str(d))
    return {
        "dir": d,
        "n": n,
        "n_pub_in": n_pub_in,
        "n_pub_out": n_pub_out,
        "n_public": n_pub_in + n_pub_out,
        "n_wires": c["n_wires"],
        "r1cs": Path(paths["r1cs"]),
        "wtns": Path(paths["wtns"]),
        "public": Path(paths["public"]),
        "witness": c["witness"],
    }


# --- point tampering (all affine, decimal strings) --------------------------------------------


def neg_g1(p):
    return [p[0], str((Q - int(p[1])) % Q)] + list(p[2:])


def neg_g2(p):
    return [list(p[0]), [str((Q - int(v)) % Q) for v in p[1]]] + [list(r) for r in p[2:]]


def g2_swapped(p):
    return [list(p[0][::-1]), list(p[1][::-1])] + [list(r) for r in p[2:]]


def g2_point_outside_subgroup(seed=7):
    """An affine point on the BN254 twist E'(Fq2) that is NOT in the order-r subgroup."""
    from py_ecc import optimized_bn128 as ob
    from py_ecc.fields import optimized_bn128_FQ2 as FQ2

    rng = random.Random(seed)
    minus_one = FQ2([Q - 1, 0])
    while True:
        x = FQ2([rng.randrange(Q), rng.randrange(Q)])
        rhs = x ** 3 + ob.b2
        # square root in Fq2 for q = 3 mod 4 (Adj-Rodriguez-Henriquez, alg. 9)
        a1 = rhs ** ((Q - 3) // 4)
        alpha = a1 * a1 * rhs
        x0 = a1 * rhs
        if alpha == minus_one:
            y = FQ2([0, 1]) * x0
        else:
            y = ((FQ2([1, 0]) + alpha) ** ((Q - 1) // 2)) * x0
        if y * y != rhs:
            continue
        pt = (x, y, FQ2.one())
        assert ob.is_on_curve(pt, ob.b2)
        if not ob.is_inf(ob.multiply(pt, R)):
            return [
                [str(x.coeffs[0]), str(x.coeffs[1])],
                [str(y.coeffs[0]), str(y.coeffs[1])],
                ["1", "0"],
            ]


def g1_on_curve(p):
    x, y = int(p[0]), int(p[1])
    return x < Q and y < Q and (y * y - x ** 3 - 3) % Q == 0


def g2_in_subgroup(p):
    """[c0, c1] order: on the twist and r * P == O (py_ecc)."""
    from py_ecc import optimized_bn128 as ob
    from py_ecc.fields import optimized_bn128_FQ2 as FQ2

    x = FQ2([int(v) for v in p[0]])
    y = FQ2([int(v) for v in p[1]])
    pt = (x, y, FQ2.one())
    return ob.is_on_curve(pt, ob.b2) and ob.is_inf(ob.multiply(pt, R))


# Well-formed tampers: a valid encoding of a wrong proof / wrong public values. -> exit 1.
def _t_public_plus_one(proof, public):
    public = list(public)
    public[0] = str((int(public[0]) + 1) % R)
    return proof, public


def _t_public_last_changed(proof, public):
    public = list(public)
    public[-1] = str((int(public[-1]) + 12345) % R)
    return proof, public


def _t_neg_a(proof, public):
    proof = copy.deepcopy(proof)
    proof["pi_a"] = neg_g1(proof["pi_a"])
    return proof, public


def _t_neg_b(proof, public):
    proof = copy.deepcopy(proof)
    proof["pi_b"] = neg_g2(proof["pi_b"])
    return proof, public


def _t_c_is_a(proof, public):
    proof = copy.deepcopy(proof)
    proof["pi_c"] = list(proof["pi_a"])
    return proof, public


WELL_FORMED_TAMPERS = {
    "public0+1": _t_public_plus_one,
    "public_last_changed": _t_public_last_changed,
    "neg_pi_a": _t_neg_a,
    "neg_pi_b": _t_neg_b,
    "pi_c=pi_a": _t_c_is_a,
}


# Malformed tampers: reject with 1 or 2 (groth16py raises EncodingError/VerificationError -> 2).
def _m_a_off_curve(proof, public):
    proof = copy.deepcopy(proof)
    proof["pi_a"][0] = str((int(proof["pi_a"][0]) + 1) % Q)
    return proof, public


def _m_c_off_curve(proof, public):
    proof = copy.deepcopy(proof)
    proof["pi_c"][1] = str((int(proof["pi_c"][1]) + 1) % Q)
    return proof, public


def _m_b_off_curve(proof, public):
    proof = copy.deepcopy(proof)
    proof["pi_b"][0][0] = str((int(proof["pi_b"][0][0]) + 1) % Q)
    return proof, public


def _m_b_swapped(proof, public):
    proof = copy.deepcopy(proof)
    proof["pi_b"] = g2_swapped(proof["pi_b"])
    return proof, public


def _m_b_not_in_subgroup(proof, public):
    proof = copy.deepcopy(proof)
    proof["pi_b"] = g2_point_outside_subgroup()
    return proof, public


def _m_a_x_plus_p(proof, public):
    proof = copy.deepcopy(proof)
    proof["pi_a"][0] = str(int(proof["pi_a"][0]) + Q)  # same point mod p, non-canonical
    return proof, public


def _m_public_plus_r(proof, public):
    public = list(public)
    public[0] = str(int(public[0]) + R)  # same value mod r: must not be accepted
    return proof, public


def _m_public_missing(proof, public):
    return proof, list(public)[:-1]


def _m_public_extra(proof, public):
    return proof, list(public) + ["1"]


MALFORMED_TAMPERS = {
    "pi_a_off_curve": _m_a_off_curve,
    "pi_c_off_curve": _m_c_off_curve,
    "pi_b_off_curve": _m_b_off_curve,
    "pi_b_c1c0_order": _m_b_swapped,
    "pi_b_not_in_subgroup": _m_b_not_in_subgroup,
    "pi_a_x_plus_p": _m_a_x_plus_p,
    "public0_plus_r": _m_public_plus_r,
    "public_missing_one": _m_public_missing,
    "public_one_extra": _m_public_extra,
}


def check_snarkjs_proof_shape(proof):
    assert proof.get("protocol") == "groth16", proof
    assert proof.get("curve") == "bn128", proof
    a, b, c = proof["pi_a"], proof["pi_b"], proof["pi_c"]
    assert len(a) == 3 and a[2] == "1", a
    assert len(c) == 3 and c[2] == "1", c
    assert len(b) == 3 and b[2] == ["1", "0"], b
    for v in a + c + b[0] + b[1]:
        assert isinstance(v, str) and v.isdigit(), "coordinates must be decimal strings: %r" % v
    assert g1_on_curve(a), "pi_a not on the curve"
    assert g1_on_curve(c), "pi_c not on the curve"
    assert g2_in_subgroup(b), "pi_b not on the twist / not in G2 with [c0, c1] order"


def check_snarkjs_vk_shape(vk, n_public, require_alphabeta=False):
    assert vk.get("protocol") == "groth16", vk.get("protocol")
    assert vk.get("curve") == "bn128", vk.get("curve")
    assert vk["nPublic"] == n_public
    assert len(vk["IC"]) == n_public + 1
    for p in [vk["vk_alpha_1"]] + vk["IC"]:
        assert len(p) == 3 and p[2] == "1", p
        assert g1_on_curve(p), p
    for k in ("vk_beta_2", "vk_gamma_2", "vk_delta_2"):
        p = vk[k]
        assert len(p) == 3 and p[2] == ["1", "0"], (k, p)
        assert g2_in_subgroup(p), "%s not in G2 with [c0, c1] order" % k
    if require_alphabeta or "vk_alphabeta_12" in vk:
        ab = vk["vk_alphabeta_12"]
        # snarkjs: Fq12 = [c0, c1] of Fq6 = [b0, b1, b2] of Fq2 = [re, im]
        assert len(ab) == 2 and all(len(f6) == 3 for f6 in ab), ab
        flat = [int(x) for f6 in ab for f2 in f6 for x in f2]
        assert len(flat) == 12 and all(x < Q for x in flat)
        assert any(flat[1:]) or flat[0] != 1, "vk_alphabeta_12 is 1"


# ---------------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def zkshard():
    env = os.environ.get("ZKSHARD")
    path = Path(env) if env else ROOT / ".build" / "release" / "zkshard"
    if not path.is_absolute() and not path.exists():
        path = ROOT / path  # relative to the repo root
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(
            "zkshard binary not found or not executable at %s (set ZKSHARD=/path/to/zkshard, "
            "or build with `swift build -c release`; run `pytest -m \"not zkshard\"` for the "
            "pure-Python tests only)" % path,
            pytrace=False,
        )
    return path


@pytest.fixture(scope="module", params=CIRCUITS, ids=[c[0] for c in CIRCUITS])
def circuit(request, tmp_path_factory):
    cid, n, n_in, n_out = request.param
    return make_circuit(tmp_path_factory.mktemp(cid), n, n_in, n_out)


@pytest.fixture(scope="module")
def small_circuit(tmp_path_factory):
    return make_circuit(tmp_path_factory.mktemp("small"), 64, 2, 1, seed=3)


def _g16_artifacts(c):
    d = c["dir"] / "g16"
    d.mkdir(exist_ok=True)
    a = {k: d / v for k, v in [("pk", "circuit.g16pk"), ("vk", "verification_key.json"),
                               ("proof", "proof.json"), ("public", "public.json")]}
    expect_rc(g16("setup", c["r1cs"], "--pk", a["pk"], "--vk", a["vk"]), 0)
    expect_rc(g16("prove", "--pk", a["pk"], "--wtns", c["wtns"], "--proof", a["proof"],
                  "--public", a["public"]), 0)
    return a


def _zk_artifacts(zk, c):
    d = c["dir"] / "zk"
    d.mkdir(exist_ok=True)
    a = {k: d / v for k, v in [("pk", "circuit.pk"), ("vk", "verification_key.json"),
                               ("proof", "proof.json"), ("public", "public.json")]}
    expect_rc(run([zk, "groth16", "setup", c["r1cs"], "--pk", a["pk"], "--vk", a["vk"],
                   "--quiet"]), 0)
    expect_rc(run([zk, "groth16", "prove", "--pk", a["pk"], "--witness", c["wtns"],
                   "--proof", a["proof"], "--public", a["public"], "--quiet"]), 0)
    return a


@pytest.fixture(scope="module")
def g16_art(circuit):
    return _g16_artifacts(circuit)


@pytest.fixture(scope="module")
def zk_art(zkshard, circuit):
    return _zk_artifacts(zkshard, circuit)


@pytest.fixture(scope="module")
def small_g16(small_circuit):
    return _g16_artifacts(small_circuit)


@pytest.fixture(scope="module")
def small_zk(zkshard, small_circuit):
    return _zk_artifacts(zkshard, small_circuit)


# ---------------------------------------------------------------------------------------------
# pure Python: the generator
# ---------------------------------------------------------------------------------------------


def test_generator_files_parse_and_satisfy(circuit):
    c = circuit
    r = gen.read_r1cs(str(c["r1cs"]))
    assert r["n8"] == 32 and r["prime"] == R
    assert len(r["constraints"]) == c["n"]
    assert r["n_pub_out"] == c["n_pub_out"] and r["n_pub_in"] == c["n_pub_in"]
    assert r["n_prv_in"] == 2
    assert r["n_wires"] == c["n_wires"] == 1 + c["n_pub_out"] + c["n_pub_in"] + 2 + c["n"] - c["n_pub_out"]
    assert r["wire2label"] == list(range(r["n_wires"]))
    prime, wit = gen.read_wtns(str(c["wtns"]))
    assert prime == R and len(wit) == r["n_wires"] and wit[0] == 1
    assert wit == c["witness"]
    assert gen.check_witness(r["constraints"], wit) is None
    for A, B, C in r["constraints"]:
        for lc in (A, B, C):
            wires = [w for w, _ in lc]
            assert wires == sorted(set(wires)), "terms must be merged and sorted by wire"
            assert all(0 < coef < R for _, coef in lc)
    assert load(c["public"]) == [str(v) for v in wit[1 : 1 + c["n_public"]]]


def test_generator_binary_layout(small_circuit):
    import struct

    data = small_circuit["r1cs"].read_bytes()
    assert data[:4] == b"r1cs" and struct.unpack_from("<II", data, 4) == (1, 3)
    off, types = 12, []
    while off < len(data):
        t, size = struct.unpack_from("<IQ", data, off)
        types.append((t, size))
        off += 12 + size
    assert off == len(data)
    assert [t for t, _ in types] == [1, 2, 3]
    assert types[0][1] == 4 + 32 + 4 * 4 + 8 + 4
    assert types[2][1] == 8 * small_circuit["n_wires"]
    w = small_circuit["wtns"].read_bytes()
    assert w[:4] == b"wtns" and struct.unpack_from("<II", w, 4) == (2, 2)
    assert struct.unpack_from("<IQ", w, 12) == (1, 4 + 32 + 4)
    assert struct.unpack_from("<IQ", w, 12 + 12 + 40) == (2, 32 * small_circuit["n_wires"])
    assert len(w) == 12 + 12 + 40 + 12 + 32 * small_circuit["n_wires"]


def test_generator_rejects_bad_witness():
    c = gen.build(16)
    assert gen.check_witness(c["constraints"], c["witness"]) is None
    c["witness"][7] = (c["witness"][7] + 1) % R
    assert gen.check_witness(c["constraints"], c["witness"]) is not None
    with pytest.raises(AssertionError):
        gen.write_all(c, "/nonexistent/should-not-be-written")


def test_generator_cli(tmp_path):
    res = expect_rc(run([sys.executable, GEN, "--constraints", "10", "--out", tmp_path / "o",
                         "--public-inputs", "3", "--public-outputs", "2"]), 0)
    assert "circuit.r1cs" in res.stdout
    assert len(load(tmp_path / "o" / "public.json")) == 5
    expect_rc(run([sys.executable, GEN, "--constraints", "0", "--out", tmp_path / "z"]), 2)


# ---------------------------------------------------------------------------------------------
# pure Python: groth16py alone (checks the harness itself)
# ---------------------------------------------------------------------------------------------


def test_groth16py_roundtrip(circuit, g16_art):
    assert load(g16_art["public"]) == load(circuit["public"])
    res = expect_rc(g16_verify(g16_art["vk"], g16_art["proof"], g16_art["public"]), 0)
    assert "time_s=" in res.stderr


def test_groth16py_json_shapes(circuit, g16_art):
    check_snarkjs_proof_shape(load(g16_art["proof"]))
    vk = load(g16_art["vk"])
    check_snarkjs_vk_shape(vk, circuit["n_public"])
    assert "vk_alphabeta_12" not in vk  # groth16py 0.2.0 does not emit it


def test_proof_bytes_conversion(small_circuit, small_g16):
    import groth16py

    proof = load(small_g16["proof"])
    blob = tool.snarkjs_to_proof_bytes(proof)
    assert tool.proof_bytes_to_snarkjs(blob) == proof
    vk = groth16py.VerifyingKey.from_snarkjs_file(str(small_g16["vk"]))
    public = [int(x) for x in load(small_g16["public"])]
    assert groth16py.Verifier(vk).verify(blob, public) is True


@pytest.mark.parametrize("tamper", list(WELL_FORMED_TAMPERS), ids=list(WELL_FORMED_TAMPERS))
def test_groth16py_rejects_wrong_proof(tmp_path, small_g16, tamper):
    proof, public = WELL_FORMED_TAMPERS[tamper](load(small_g16["proof"]), load(small_g16["public"]))
    expect_rc(g16_verify(small_g16["vk"], dump(proof, tmp_path / "p.json"),
                         dump(public, tmp_path / "pub.json")), 1)


@pytest.mark.parametrize("tamper", list(MALFORMED_TAMPERS), ids=list(MALFORMED_TAMPERS))
def test_groth16py_rejects_malformed(tmp_path, small_g16, tamper):
    proof, public = MALFORMED_TAMPERS[tamper](load(small_g16["proof"]), load(small_g16["public"]))
    expect_rc(g16_verify(small_g16["vk"], dump(proof, tmp_path / "p.json"),
                         dump(public, tmp_path / "pub.json")), 2)


def test_groth16py_prove_flags_unsatisfied_witness(tmp_path, small_circuit, small_g16):
    wit = list(small_circuit["witness"])
    wit[-1] = (wit[-1] + 1) % R
    bad = tmp_path / "bad.wtns"
    bad.write_bytes(gen.encode_wtns(wit))
    expect_rc(g16("prove", "--pk", small_g16["pk"], "--wtns", bad, "--proof", tmp_path / "p.json",
                  "--public", tmp_path / "pub.json"), 1)


# ---------------------------------------------------------------------------------------------
# zkshard <-> groth16py
# ---------------------------------------------------------------------------------------------


@pytest.mark.zkshard
def test_a_zkshard_proof_verifies_in_groth16py(zkshard, circuit, zk_art):
    assert load(zk_art["public"]) == load(circuit["public"]), \
        "zkshard public.json must be outputs then public inputs, decimal strings"
    check_snarkjs_proof_shape(load(zk_art["proof"]))
    check_snarkjs_vk_shape(load(zk_art["vk"]), circuit["n_public"], require_alphabeta=True)
    expect_rc(zk_verify(zkshard, zk_art["vk"], zk_art["proof"], zk_art["public"]), 0)
    expect_rc(g16_verify(zk_art["vk"], zk_art["proof"], zk_art["public"]), 0)
    # also against the generator's public.json (not zkshard's copy)
    expect_rc(g16_verify(zk_art["vk"], zk_art["proof"], circuit["public"]), 0)


@pytest.mark.zkshard
def test_b_groth16py_proof_verifies_in_zkshard(zkshard, circuit, g16_art):
    expect_rc(zk_verify(zkshard, g16_art["vk"], g16_art["proof"], g16_art["public"]), 0)
    res = expect_rc(zk_verify(zkshard, g16_art["vk"], g16_art["proof"], g16_art["public"],
                              "--json"), 0)
    json.loads(res.stdout)  # --json must print one JSON document


@pytest.mark.zkshard
@pytest.mark.parametrize("source", ["zkshard", "groth16py"])
@pytest.mark.parametrize("tamper", list(WELL_FORMED_TAMPERS), ids=list(WELL_FORMED_TAMPERS))
def test_c_wrong_proof_rejected_by_both(zkshard, tmp_path, small_zk, small_g16, source, tamper):
    art = small_zk if source == "zkshard" else small_g16
    proof, public = WELL_FORMED_TAMPERS[tamper](load(art["proof"]), load(art["public"]))
    p, pub = dump(proof, tmp_path / "p.json"), dump(public, tmp_path / "pub.json")
    expect_rc(zk_verify(zkshard, art["vk"], p, pub), 1)
    expect_rc(g16_verify(art["vk"], p, pub), 1)


@pytest.mark.zkshard
@pytest.mark.parametrize("source", ["zkshard", "groth16py"])
@pytest.mark.parametrize("tamper", list(MALFORMED_TAMPERS), ids=list(MALFORMED_TAMPERS))
def test_c_malformed_proof_rejected_by_both(zkshard, tmp_path, small_zk, small_g16, source, tamper):
    art = small_zk if source == "zkshard" else small_g16
    proof, public = MALFORMED_TAMPERS[tamper](load(art["proof"]), load(art["public"]))
    p, pub = dump(proof, tmp_path / "p.json"), dump(public, tmp_path / "pub.json")
    expect_rc(zk_verify(zkshard, art["vk"], p, pub), (1, 2))
    expect_rc(g16_verify(art["vk"], p, pub), 2)


@pytest.mark.zkshard
def test_c_cross_keys_rejected(zkshard, small_zk, small_g16):
    # a valid proof under the other setup's VK (same circuit, same public values)
    expect_rc(zk_verify(zkshard, small_g16["vk"], small_zk["proof"], small_zk["public"]), 1)
    expect_rc(zk_verify(zkshard, small_zk["vk"], small_g16["proof"], small_g16["public"]), 1)
    expect_rc(g16_verify(small_g16["vk"], small_zk["proof"], small_zk["public"]), 1)
    expect_rc(g16_verify(small_zk["vk"], small_g16["proof"], small_g16["public"]), 1)


@pytest.mark.zkshard
def test_c_bad_vk_and_bad_files(zkshard, tmp_path, small_g16):
    vk = load(small_g16["vk"])
    bad_vk = dict(vk, vk_delta_2=g2_point_outside_subgroup(11))
    expect_rc(zk_verify(zkshard, dump(bad_vk, tmp_path / "vk_sub.json"), small_g16["proof"],
                        small_g16["public"]), (1, 2))
    bad_vk = dict(vk, vk_gamma_2=g2_swapped(vk["vk_gamma_2"]))
    expect_rc(zk_verify(zkshard, dump(bad_vk, tmp_path / "vk_swap.json"), small_g16["proof"],
                        small_g16["public"]), (1, 2))
    bad_vk = dict(vk, IC=vk["IC"][:-1])
    expect_rc(zk_verify(zkshard, dump(bad_vk, tmp_path / "vk_ic.json"), small_g16["proof"],
                        small_g16["public"]), (1, 2))
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{ not json")
    expect_rc(zk_verify(zkshard, small_g16["vk"], garbage, small_g16["public"]), 2)
    expect_rc(zk_verify(zkshard, garbage, small_g16["proof"], small_g16["public"]), 2)
    expect_rc(zk_verify(zkshard, small_g16["vk"], small_g16["proof"], garbage), 2)
    expect_rc(zk_verify(zkshard, small_g16["vk"], tmp_path / "missing.json",
                        small_g16["public"]), 2)


@pytest.mark.zkshard
def test_d_both_accept_the_same_files(zkshard, tmp_path, circuit, g16_art):
    c = circuit
    expect_rc(run([zkshard, "r1cs", "check", c["r1cs"], c["wtns"]]), 0)
    # groth16py proved the same files (g16_art) and its proof verifies
    expect_rc(g16_verify(g16_art["vk"], g16_art["proof"], g16_art["public"]), 0)
    res = expect_rc(run([zkshard, "r1cs", "info", c["r1cs"], "--json"]), 0)
    info = json.loads(res.stdout)

    def ints(o):
        if isinstance(o, bool):
            return
        if isinstance(o, int):
            yield o
        elif isinstance(o, dict):
            for v in o.values():
                yield from ints(v)
        elif isinstance(o, list):
            for v in o:
                yield from ints(v)

    found = set(ints(info))
    for label, want in [("constraints", c["n"]), ("wires", c["n_wires"])]:
        assert want in found, "r1cs info --json should report %s = %d: %s" % (label, want, info)
    expect_rc(run([zkshard, "r1cs", "info", c["r1cs"]]), 0)
    # an unsatisfied witness
    wit = list(c["witness"])
    wit[c["n_wires"] // 2] = (wit[c["n_wires"] // 2] + 1) % R
    bad = tmp_path / "bad.wtns"
    bad.write_bytes(gen.encode_wtns(wit))
    expect_rc(run([zkshard, "r1cs", "check", c["r1cs"], bad]), 1)
    # a witness of the wrong length is bad input (or unsatisfied), never "satisfied"
    short = tmp_path / "short.wtns"
    short.write_bytes(gen.encode_wtns(c["witness"][:-1]))
    expect_rc(run([zkshard, "r1cs", "check", c["r1cs"], short]), (1, 2))

