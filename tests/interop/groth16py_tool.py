#!/usr/bin/env python3
"""Small CLI around groth16py (arkworks-backed BN254 Groth16) that reads and writes the
snarkjs file formats, for the zkshard interop tests and benchmarks.

    groth16py_tool.py setup  CIRCUIT.r1cs --pk PK_OUT --vk VK_JSON_OUT
    groth16py_tool.py prove  --pk PK --wtns WTNS --proof PROOF_JSON --public PUBLIC_JSON
                             [--threads N] [--no-self-check]
    groth16py_tool.py verify --vk VK_JSON --proof PROOF_JSON --public PUBLIC_JSON

Each subcommand prints `time_s=<float>` on stderr: the wall time of the main operation only
(setup: groth16py.setup; prove: groth16py.prove_wtns; verify: VK parse + prepare + pairing
check), not file I/O or the proof/JSON conversion.

Exit codes: 0 success / valid proof; 1 invalid proof (verify) or a produced proof that fails
its self-check (prove, see below); 2 error (bad arguments, unreadable or malformed input;
for verify this includes everything groth16py rejects as an encoding error: points not on the
curve or not in the subgroup, coordinates >= p, public values >= r, wrong number of public
values).

Notes on groth16py 0.2.0 that this tool papers over:
  * prove_wtns returns the 256-byte Ethereum proof blob, not snarkjs JSON: 8 big-endian
    uint256 words A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y (G2 words swapped,
    (c1, c0)). This tool converts it to snarkjs proof.json (G2 as [c0, c1]).
  * The proving key does not expose the number of public signals, and proving never checks
    the witness. `setup` therefore writes a sidecar PK_OUT.meta.json with nPublic and the VK;
    `prove` uses it to write public.json (witness wires 1..nPublic: outputs, then public
    inputs, as snarkjs does) and to verify the fresh proof (skip with --no-self-check).
  * setup takes a path (str) only; the key it makes is a fresh random single-party CRS
    (gamma is random, not the G2 generator). vk.to_json() has no vk_alphabeta_12.
"""

import argparse
import json
import os
import sys
import time

R = 21888242871839275222246405745257275088548364400416034343698204186575808495617
Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583


def _g16():
    import groth16py  # imported lazily so --threads can set RAYON_NUM_THREADS first

    return groth16py


def proof_bytes_to_snarkjs(blob):
    """groth16py/Ethereum 256-byte proof -> snarkjs proof.json dict."""
    if len(blob) != 256:
        raise ValueError("expected a 256-byte proof, got %d bytes" % len(blob))
    w = [str(int.from_bytes(blob[32 * i : 32 * (i + 1)], "big")) for i in range(8)]
    return {
        "pi_a": [w[0], w[1], "1"],
        "pi_b": [[w[3], w[2]], [w[5], w[4]], ["1", "0"]],
        "pi_c": [w[6], w[7], "1"],
        "protocol": "groth16",
        "curve": "bn128",
    }


def snarkjs_to_proof_bytes(proof):
    """snarkjs proof.json dict -> groth16py/Ethereum 256-byte proof (no validation)."""
    a, b, c = proof["pi_a"], proof["pi_b"], proof["pi_c"]
    words = [a[0], a[1], b[0][1], b[0][0], b[1][1], b[1][0], c[0], c[1]]
    return b"".join(int(x).to_bytes(32, "big") for x in words)


def _read_wtns_public(path, n_public):
    """Wires 1..n_public of a .wtns v2 file, as ints (stdlib only)."""
    import struct

    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"wtns":
        raise ValueError("%s: not a wtns file" % path)
    _version, nsec = struct.unpack_from("<II", data, 4)
    off, n8, values = 12, None, None
    for _ in range(nsec):
        stype, size = struct.unpack_from("<IQ", data, off)
        off += 12
        if stype == 1:
            n8 = struct.unpack_from("<I", data, off)[0]
        elif stype == 2:
            values = (off, size)
        off += size
    if n8 is None or values is None:
        raise ValueError("%s: missing wtns sections" % path)
    start, size = values
    if size < (n_public + 1) * n8:
        raise ValueError("%s: witness has fewer than %d values" % (path, n_public + 1))
    return [
        int.from_bytes(data[start + i * n8 : start + (i + 1) * n8], "little")
        for i in range(1, n_public + 1)
    ]


def _write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


def _meta_path(pk_path):
    return pk_path + ".meta.json"


def cmd_setup(a):
    g = _g16()
    t0 = time.perf_counter()
    pk, vk = g.setup(os.fspath(a.r1cs))
    dt = time.perf_counter() - t0
    pk.save(a.pk)
    vk_json = json.loads(vk.to_json())
    _write_json(a.vk, vk_json)
    _write_json(_meta_path(a.pk), {"nPublic": vk.n_public, "r1cs": os.path.abspath(a.r1cs), "vk": vk_json})
    print("time_s=%.6f" % dt, file=sys.stderr)
    return 0


def cmd_prove(a):
    if a.threads:
        os.environ["RAYON_NUM_THREADS"] = str(a.threads)
    g = _g16()
    meta = None
    if os.path.exists(_meta_path(a.pk)):
        with open(_meta_path(a.pk)) as f:
            meta = json.load(f)
    n_public = a.n_public if a.n_public is not None else (meta or {}).get("nPublic")
    if n_public is None:
        raise ValueError("nPublic unknown: no %s and no --n-public" % _meta_path(a.pk))
    pk = g.ProvingKey.load(a.pk)
    t0 = time.perf_counter()
    blob = g.prove_wtns(pk, os.fspath(a.wtns))
    dt = time.perf_counter() - t0
    proof = proof_bytes_to_snarkjs(blob)
    public = [str(v) for v in _read_wtns_public(a.wtns, n_public)]
    _write_json(a.proof, proof)
    _write_json(a.public, public)
    print("time_s=%.6f" % dt, file=sys.stderr)
    if meta and meta.get("vk") and not a.no_self_check:
        v = g.Verifier(g.VerifyingKey.from_snarkjs(json.dumps(meta["vk"])))
        if not v.verify(blob, [int(x) for x in public]):
            print("error: the proof does not verify under the setup's VK "
                  "(does the witness satisfy the circuit?)", file=sys.stderr)
            return 1
    return 0


def cmd_verify(a):
    g = _g16()
    with open(a.vk) as f:
        vk_s = f.read()
    with open(a.proof) as f:
        proof_s = f.read()
    with open(a.public) as f:
        public_s = f.read()
    t0 = time.perf_counter()
    try:
        verifier = g.Verifier(g.VerifyingKey.from_snarkjs(vk_s))
        ok = verifier.verify_snarkjs(proof_s, public_s)
    except (g.EncodingError, g.VerificationError) as e:
        print("time_s=%.6f" % (time.perf_counter() - t0), file=sys.stderr)
        print("error: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        print("error")
        return 2
    dt = time.perf_counter() - t0
    print("time_s=%.6f" % dt, file=sys.stderr)
    print("valid" if ok else "invalid")
    return 0 if ok else 1


def main(argv=None):
    ap = argparse.ArgumentParser(description="groth16py with snarkjs-format files")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("setup", help="single-party setup from a circom .r1cs")
    s.add_argument("r1cs")
    s.add_argument("--pk", required=True, help="proving key output (groth16py format)")
    s.add_argument("--vk", required=True, help="verification_key.json output (snarkjs shape)")
    s.set_defaults(fn=cmd_setup)
    p = sub.add_parser("prove", help="prove from a .wtns witness")
    p.add_argument("--pk", required=True)
    p.add_argument("--wtns", required=True)
    p.add_argument("--proof", required=True, help="proof.json output")
    p.add_argument("--public", required=True, help="public.json output")
    p.add_argument("--n-public", type=int, help="override nPublic (default: PK.meta.json)")
    p.add_argument("--threads", type=int, help="RAYON_NUM_THREADS for the prover")
    p.add_argument("--no-self-check", action="store_true", help="skip verifying the new proof")
    p.set_defaults(fn=cmd_prove)
    v = sub.add_parser("verify", help="verify snarkjs vk/proof/public JSON")
    v.add_argument("--vk", required=True)
    v.add_argument("--proof", required=True)
    v.add_argument("--public", required=True)
    v.set_defaults(fn=cmd_verify)
    a = ap.parse_args(argv)
    try:
        return a.fn(a)
    except Exception as e:  # noqa: BLE001 - any failure is exit 2 with a message
        print("error: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
