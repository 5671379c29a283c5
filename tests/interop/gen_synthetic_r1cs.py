#!/usr/bin/env python3
"""Synthetic circom R1CS (v1) + witness (wtns v2) generator for BN254. Standard library only.

Writes a circuit with exactly N constraints, laid out the way circom lays out wires:

    wire 0                      the constant 1
    wires 1 .. nOut             public outputs
    next nPubIn wires           public inputs
    next nPrvIn wires           private inputs
    the rest                    internal signals (one per constraint that is not an output)

Constraint i (i = 0 .. N-1) is a quadratic step with linear terms in A, B and C:

    A_i = x_i + alpha_i * pub[i mod nPubIn] + beta_i * 1
    B_i = x_i + gamma_i * prv[i mod nPrvIn]
    C_i = y_i + delta_i * x_i          (y_i a fresh wire; y_i = A_i*B_i - delta_i*x_i)

with x_0 = prv[0] and x_{i+1} = y_i. The last nOut constraints write the output wires,
so the outputs are y_{N-nOut} .. y_{N-1}. Terms in a linear combination are merged (one term
per wire, no zero coefficients) and sorted by wire index, as circom writes them. Coefficients
are drawn from a seeded RNG: a mix of small values, "negative" values (r - k) and full-size
field elements. All numbers are in standard (non-Montgomery) form, little-endian, 32 bytes.

Before writing, every constraint is checked against the witness in Python.

Files written to --out DIR:
    circuit.r1cs    circom R1CS binary, version 1, 3 sections (header, constraints, wire2label)
    witness.wtns    snarkjs witness binary, version 2, 2 sections (header, values)
    public.json     public signals as decimal strings: outputs first, then public inputs
                    (the order snarkjs writes public.json in)
    input.json      the public/private input values (decimal strings), for reference

Usage:
    gen_synthetic_r1cs.py --constraints N --out DIR [--public-inputs 2] [--public-outputs 1]
                          [--private-inputs 2] [--seed 1]

The module also exposes read_r1cs / read_wtns / check_witness so tests can parse and
re-check files (from this generator or from any other tool).
"""

import argparse
import json
import os
import random
import struct
import sys

# BN254 scalar field (the circom/snarkjs "bn128" prime).
R = 21888242871839275222246405745257275088548364400416034343698204186575808495617
N8 = 32

# ---------------------------------------------------------------------------------------------
# Circuit construction
# ---------------------------------------------------------------------------------------------


def _coeff(rng):
    """A nonzero field coefficient: small, negative-small, or full size."""
    k = rng.random()
    if k < 0.4:
        return rng.randrange(1, 1 << 16)
    if k < 0.6:
        return R - rng.randrange(1, 1 << 16)
    return rng.randrange(1, R)


def _lc(terms):
    """Merge (wire, coeff) pairs mod R; drop zeros; sort by wire. Returns a list of pairs."""
    acc = {}
    for w, c in terms:
        acc[w] = (acc.get(w, 0) + c) % R
    return [(w, c) for w, c in sorted(acc.items()) if c != 0]


def _eval(lc, wit):
    s = 0
    for w, c in lc:
        s += c * wit[w]
    return s % R


def build(n_constraints, n_pub_in=2, n_pub_out=1, n_prv_in=2, seed=1):
    """Build the circuit and its witness.

    Returns a dict with keys: n_wires, n_pub_out, n_pub_in, n_prv_in, n_labels,
    constraints (list of (A, B, C), each a list of (wire, coeff)), witness (list of ints),
    public (list of ints: outputs then inputs), inputs (dict).
    """
    if n_constraints < 1:
        raise ValueError("need at least 1 constraint")
    if n_pub_out < 0 or n_pub_in < 0:
        raise ValueError("public counts must be >= 0")
    if n_prv_in < 1:
        raise ValueError("need at least 1 private input (the chain starts from one)")
    if n_pub_out > n_constraints:
        raise ValueError("more public outputs than constraints")

    rng = random.Random(seed)
    out_base = 1
    pub_base = out_base + n_pub_out
    prv_base = pub_base + n_pub_in
    int_base = prv_base + n_prv_in
    n_internal = n_constraints - n_pub_out
    n_wires = int_base + n_internal

    wit = [0] * n_wires
    wit[0] = 1
    pub_vals = [rng.randrange(0, R) for _ in range(n_pub_in)]
    prv_vals = [rng.randrange(1, R) for _ in range(n_prv_in)]
    for j, v in enumerate(pub_vals):
        wit[pub_base + j] = v
    for j, v in enumerate(prv_vals):
        wit[prv_base + j] = v

    constraints = []
    x = prv_base  # x_0 = prv[0]
    first_out_constraint = n_constraints - n_pub_out
    for i in range(n_constraints):
        if i >= first_out_constraint:
            y = out_base + (i - first_out_constraint)
        else:
            y = int_base + i
        a_terms = [(x, 1), (0, _coeff(rng))]
        if n_pub_in:
            a_terms.append((pub_base + i % n_pub_in, _coeff(rng)))
        b_terms = [(x, 1), (prv_base + i % n_prv_in, _coeff(rng))]
        delta = _coeff(rng)
        A = _lc(a_terms)
        B = _lc(b_terms)
        # y = A*B - delta*x
        wit[y] = (_eval(A, wit) * _eval(B, wit) - delta * wit[x]) % R
        C = _lc([(y, 1), (x, delta)])
        constraints.append((A, B, C))
        x = y

    public = [wit[out_base + j] for j in range(n_pub_out)] + pub_vals
    return {
        "n_wires": n_wires,
        "n_pub_out": n_pub_out,
        "n_pub_in": n_pub_in,
        "n_prv_in": n_prv_in,
        "n_labels": n_wires,
        "wire2label": list(range(n_wires)),
        "constraints": constraints,
        "witness": wit,
        "public": public,
        "inputs": {"public": pub_vals, "private": prv_vals},
    }


def check_witness(constraints, wit):
    """Return the index of the first unsatisfied constraint, or None if all hold."""
    for i, (A, B, C) in enumerate(constraints):
        if (_eval(A, wit) * _eval(B, wit) - _eval(C, wit)) % R != 0:
            return i
    return None


# ---------------------------------------------------------------------------------------------
# Binary encodings
# ---------------------------------------------------------------------------------------------


def _fe(v):
    return (v % R).to_bytes(N8, "little")


def _section(stype, payload):
    return struct.pack("<IQ", stype, len(payload)) + payload


def _lc_bytes(lc, pack_u32=struct.Struct("<I").pack):
    return pack_u32(len(lc)) + b"".join(pack_u32(w) + coef.to_bytes(N8, "little") for w, coef in lc)


def write_r1cs(f, c):
    """Write circom .r1cs v1 to a binary file object, streaming the constraints section."""
    header = (
        struct.pack("<I", N8)
        + R.to_bytes(N8, "little")
        + struct.pack(
            "<IIIIQI",
            c["n_wires"],
            c["n_pub_out"],
            c["n_pub_in"],
            c["n_prv_in"],
            c["n_labels"],
            len(c["constraints"]),
        )
    )
    f.write(b"r1cs" + struct.pack("<II", 1, 3) + _section(1, header))
    body_size = sum(12 + (len(A) + len(B) + len(C)) * (4 + N8) for A, B, C in c["constraints"])
    f.write(struct.pack("<IQ", 2, body_size))
    chunk = []
    for A, B, C in c["constraints"]:
        chunk.append(_lc_bytes(A) + _lc_bytes(B) + _lc_bytes(C))
        if len(chunk) >= 4096:
            f.write(b"".join(chunk))
            chunk = []
    f.write(b"".join(chunk))
    labels = struct.pack("<%dQ" % len(c["wire2label"]), *c["wire2label"])
    f.write(_section(3, labels))


def encode_r1cs(c):
    """The .r1cs v1 file as bytes."""
    import io

    buf = io.BytesIO()
    write_r1cs(buf, c)
    return buf.getvalue()


def encode_wtns(wit):
    header = struct.pack("<I", N8) + R.to_bytes(N8, "little") + struct.pack("<I", len(wit))
    values = b"".join(v.to_bytes(N8, "little") for v in wit)
    return b"wtns" + struct.pack("<II", 2, 2) + _section(1, header) + _section(2, values)


def _sections(data, magic):
    if data[:4] != magic:
        raise ValueError("bad magic %r (want %r)" % (data[:4], magic))
    version, nsec = struct.unpack_from("<II", data, 4)
    off = 12
    secs = {}
    for _ in range(nsec):
        stype, size = struct.unpack_from("<IQ", data, off)
        off += 12
        if off + size > len(data):
            raise ValueError("section %d overruns file" % stype)
        secs.setdefault(stype, []).append(data[off : off + size])
        off += size
    return version, secs


def read_r1cs(path):
    """Parse a circom .r1cs (version 1). Returns a dict like build()'s (minus witness)."""
    with open(path, "rb") as f:
        data = f.read()
    version, secs = _sections(data, b"r1cs")
    if version != 1:
        raise ValueError("unsupported r1cs version %d" % version)
    h = secs[1][0]
    n8 = struct.unpack_from("<I", h, 0)[0]
    prime = int.from_bytes(h[4 : 4 + n8], "little")
    n_wires, n_out, n_pub, n_prv, n_labels, m = struct.unpack_from("<IIIIQI", h, 4 + n8)
    body = secs[2][0]
    off = 0
    constraints = []
    for _ in range(m):
        lcs = []
        for _ in range(3):
            (nt,) = struct.unpack_from("<I", body, off)
            off += 4
            lc = []
            for _ in range(nt):
                (w,) = struct.unpack_from("<I", body, off)
                coef = int.from_bytes(body[off + 4 : off + 4 + n8], "little")
                off += 4 + n8
                lc.append((w, coef))
            lcs.append(lc)
        constraints.append(tuple(lcs))
    if off != len(body):
        raise ValueError("constraints section has %d trailing bytes" % (len(body) - off))
    labels = []
    if 3 in secs:
        lab = secs[3][0]
        labels = list(struct.unpack("<%dQ" % (len(lab) // 8), lab))
    return {
        "n8": n8,
        "prime": prime,
        "n_wires": n_wires,
        "n_pub_out": n_out,
        "n_pub_in": n_pub,
        "n_prv_in": n_prv,
        "n_labels": n_labels,
        "constraints": constraints,
        "wire2label": labels,
    }


def read_wtns(path):
    """Parse a snarkjs .wtns (version 2). Returns (prime, list of ints)."""
    with open(path, "rb") as f:
        data = f.read()
    version, secs = _sections(data, b"wtns")
    if version != 2:
        raise ValueError("unsupported wtns version %d" % version)
    h = secs[1][0]
    n8 = struct.unpack_from("<I", h, 0)[0]
    prime = int.from_bytes(h[4 : 4 + n8], "little")
    (n,) = struct.unpack_from("<I", h, 4 + n8)
    vals = secs[2][0]
    if len(vals) != n * n8:
        raise ValueError("wtns values section has %d bytes, want %d" % (len(vals), n * n8))
    return prime, [int.from_bytes(vals[i * n8 : (i + 1) * n8], "little") for i in range(n)]


def write_all(c, out_dir):
    bad = check_witness(c["constraints"], c["witness"])
    if bad is not None:
        raise AssertionError("generated witness violates constraint %d" % bad)
    os.makedirs(out_dir, exist_ok=True)
    paths = {
        "r1cs": os.path.join(out_dir, "circuit.r1cs"),
        "wtns": os.path.join(out_dir, "witness.wtns"),
        "public": os.path.join(out_dir, "public.json"),
        "input": os.path.join(out_dir, "input.json"),
    }
    with open(paths["r1cs"], "wb") as f:
        write_r1cs(f, c)
    with open(paths["wtns"], "wb") as f:
        f.write(encode_wtns(c["witness"]))
    with open(paths["public"], "w") as f:
        json.dump([str(v) for v in c["public"]], f, indent=1)
        f.write("\n")
    with open(paths["input"], "w") as f:
        json.dump(
            {k: [str(v) for v in vs] for k, vs in c["inputs"].items()}, f, indent=1
        )
        f.write("\n")
    return paths


def generate(out_dir, n_constraints, n_pub_in=2, n_pub_out=1, n_prv_in=2, seed=1):
    """Build, check and write a synthetic circuit; returns the dict of written paths."""
    return write_all(build(n_constraints, n_pub_in, n_pub_out, n_prv_in, seed), out_dir)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--constraints", "-n", type=int, required=True, help="number of constraints")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--public-inputs", type=int, default=2)
    ap.add_argument("--public-outputs", type=int, default=1)
    ap.add_argument("--private-inputs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    try:
        c = build(a.constraints, a.public_inputs, a.public_outputs, a.private_inputs, a.seed)
        paths = write_all(c, a.out)
    except (ValueError, AssertionError) as e:
        print("error: %s" % e, file=sys.stderr)
        return 2
    print(
        "wrote %s (%d constraints, %d wires, %d public outputs, %d public inputs, %d private)"
        % (a.out, len(c["constraints"]), c["n_wires"], c["n_pub_out"], c["n_pub_in"], c["n_prv_in"]),
        file=sys.stderr,
    )
    for k in ("r1cs", "wtns", "public"):
        print(paths[k])
    return 0


if __name__ == "__main__":
    sys.exit(main())
