#!/usr/bin/env python3
"""Generate known-answer vectors for zkshard's Poseidon over BN254 Fr (circomlib-compatible).

Independent references (pinned in vectors/requirements.txt):

* light-poseidon (PyPI): Python bindings of the Rust light-poseidon crate, whose
  parameters are circomlibjs'. It hashes 1 to 12 inputs.
* poseidon-hash-lib-from-circom (PyPI): circomlib's published constants for the optimised
  Poseidon (C, S, M, P for t = 2..17), as Python data. Its own hash function is not used:
  in its partial rounds every round reads the state of the first one, so it returns wrong
  values. This script evaluates circomlib's optimised circuit (poseidon.circom, PoseidonEx)
  on those constants itself, asserts that the result equals light-poseidon's on every vector
  with 1..12 inputs, and so covers 13..16 inputs with circomlib's own constants.

Both are independent of the Swift code, which derives the constants from the Grain LFSR of
the Poseidon paper and runs a different (textbook or sparse-matrix) form of the permutation.

Also written: per width, circomlib's MDS matrix as a fingerprint and the first round's
constants (the optimised form keeps them unchanged), and vectors for zkshard's
PoseidonSponge (hash chain of Poseidon(16); see Sources/Algebra/PoseidonSponge.swift).

Usage: python vectors/gen_poseidon_vectors.py [output.json]
"""

import importlib.metadata
import importlib.util
import json
import os
import random
import sys

import light_poseidon_python as light

R = 21888242871839275222246405745257275088548364400416034343698204186575808495617
PARTIAL_ROUNDS = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68]  # t = 2..17
FULL_ROUNDS = 8
PUBLISHED_1_2 = 0x115CC0F5E7D690413DF64C6B9662E9CF2A3617F2743245519E19607A4417189A
LIGHT_MAX_INPUTS = 12
SEED = 20261201
# Fingerprint of a list of field elements: Horner evaluation at this point, mod r.
FINGERPRINT_BASE = 0x5A4B5348415244  # "ZKSHARD"
SPONGE_DOMAIN_TAG = b"zkshard/poseidon-sponge/v1"
SPONGE_CHUNK = 15


def version(dist):
    return importlib.metadata.version(dist)


def load_circomlib_constants():
    """The module holding circomlib's constants. The package installs it in a directory
    whose name has hyphens, so it is loaded from its file."""
    dist = importlib.metadata.distribution("poseidon-hash-lib-from-circom")
    for f in dist.files:
        if f.name == "poseidon_constants.py":
            path = os.path.join(str(dist.locate_file("")), str(f))
            spec = importlib.util.spec_from_file_location("circomlib_poseidon_constants", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
    raise RuntimeError("poseidon_constants.py not found in poseidon-hash-lib-from-circom")


CONSTANTS = load_circomlib_constants()
_cache = {}


def circomlib_constants(t):
    if t not in _cache:
        _cache[t] = (
            CONSTANTS.poseidon_c_const_arr(t),
            CONSTANTS.poseidon_s_const_arr(t),
            CONSTANTS.poseidon_m_const_arr(t),
            CONSTANTS.poseidon_p_const_arr(t),
        )
    return _cache[t]


def sigma(x):
    return pow(x, 5, R)


def circomlib_poseidon(inputs):
    """circomlib's PoseidonEx(n, 1) with initialState 0, evaluated on its constants.

    circomlib's Mix template computes out[i] = sum_j M[j][i] * in[j]; MixS is the sparse
    matrix of partial round r, stored in S at offset (2t - 1) * r."""
    t = len(inputs) + 1
    rp = PARTIAL_ROUNDS[t - 2]
    C, S, M, P = circomlib_constants(t)
    half = FULL_ROUNDS // 2

    def mix(matrix, state):
        return [sum(matrix[j][i] * state[j] for j in range(t)) % R for i in range(t)]

    state = [0] + [x % R for x in inputs]
    state = [(x + C[i]) % R for i, x in enumerate(state)]
    for r in range(half):
        state = [sigma(x) for x in state]
        state = [(x + C[(r + 1) * t + i]) % R for i, x in enumerate(state)]
        state = mix(P if r == half - 1 else M, state)
    for r in range(rp):
        state[0] = (sigma(state[0]) + C[(half + 1) * t + r]) % R
        base = (2 * t - 1) * r
        first = sum(S[base + j] * state[j] for j in range(t)) % R
        state = [first] + [(state[i] + state[0] * S[base + t + i - 1]) % R for i in range(1, t)]
    for r in range(half - 1):
        state = [sigma(x) for x in state]
        state = [(x + C[(half + 1) * t + rp + r * t + i]) % R for i, x in enumerate(state)]
        state = mix(M, state)
    state = [sigma(x) for x in state]
    return sum(M[j][0] * state[j] for j in range(t)) % R


def light_poseidon(inputs):
    hasher = light.Hasher(len(inputs))
    out = hasher.hash_bytes_be([x.to_bytes(32, "big") for x in inputs])
    if isinstance(out, (bytes, bytearray)):
        return int.from_bytes(out, "big")
    return int(out, 16) if isinstance(out, str) else int(out)


def poseidon(inputs):
    """Poseidon(inputs) from circomlib's constants, checked against light-poseidon where it
    has the arity."""
    h = circomlib_poseidon(inputs)
    if len(inputs) <= LIGHT_MAX_INPUTS:
        other = light_poseidon(inputs)
        assert h == other, f"circomlib constants and light-poseidon disagree on {inputs}: {h} != {other}"
    return h


def fingerprint(values):
    acc = 0
    for v in values:
        acc = (acc * FINGERPRINT_BASE + v) % R
    return acc


def sponge(elements, domain):
    h = poseidon([domain, len(elements)])
    for k in range(0, len(elements), SPONGE_CHUNK):
        chunk = elements[k:k + SPONGE_CHUNK]
        chunk = chunk + [0] * (SPONGE_CHUNK - len(chunk))
        h = circomlib_poseidon([h] + chunk)
    return h


def s(x):
    return str(int(x))


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "poseidon_vectors.json")
    rng = random.Random(SEED)

    assert light_poseidon([1, 2]) == PUBLISHED_1_2, "light-poseidon does not give the published Poseidon([1, 2])"
    assert circomlib_poseidon([1, 2]) == PUBLISHED_1_2, "circomlib constants do not give the published Poseidon([1, 2])"

    hashes = []
    for n in range(1, 17):
        cases = [
            ("sequential", list(range(1, n + 1))),
            ("zeros", [0] * n),
            ("max", [R - 1] * n),
            ("alternating", [(R - 1) if i % 2 == 0 else 0 for i in range(n)]),
            ("random", [rng.randrange(R) for _ in range(n)]),
            ("random", [rng.randrange(R) for _ in range(n)]),
        ]
        for name, inputs in cases:
            hashes.append({
                "name": f"{name}-{n}",
                "inputs": [s(x) for x in inputs],
                "output": s(poseidon(inputs)),
                "checkedBy": ["circomlib-constants"] + (["light-poseidon"] if n <= LIGHT_MAX_INPUTS else []),
            })

    widths = []
    for t in range(2, 18):
        C, _, M, _ = circomlib_constants(t)
        # zkshard's mds[i][j] is circomlib's M[j][i]; fingerprint row-major over mds.
        mds_row_major = [M[j][i] for i in range(t) for j in range(t)]
        widths.append({
            "width": t,
            "partialRounds": PARTIAL_ROUNDS[t - 2],
            "firstRoundConstants": [s(c) for c in C[:t]],
            "mdsFingerprint": s(fingerprint(mds_row_major)),
            "mds00": s(M[0][0]),
            "mds01": s(M[1][0]),
        })

    default_domain = int.from_bytes(SPONGE_DOMAIN_TAG, "big")
    sponges = []
    for n in [0, 1, 2, 14, 15, 16, 29, 30, 31, 45, 100]:
        elements = [rng.randrange(R) for _ in range(n)]
        sponges.append({"domain": s(default_domain), "elements": [s(x) for x in elements], "output": s(sponge(elements, default_domain))})
    for elements in ([5], [5, 0], list(range(1, 16)), list(range(1, 16)) + [0]):
        sponges.append({"domain": s(default_domain), "elements": [s(x) for x in elements], "output": s(sponge(elements, default_domain))})
    custom = rng.randrange(R)
    elements = [rng.randrange(R) for _ in range(20)]
    sponges.append({"domain": s(custom), "elements": [s(x) for x in elements], "output": s(sponge(elements, custom))})

    doc = {
        "description": "Poseidon over BN254 Fr, circomlib/circomlibjs parameters (x^5, R_F = 8, t = n + 1, "
                       "state [0, inputs], output state[0]). Decimal strings.",
        "generator": "vectors/gen_poseidon_vectors.py",
        "references": {
            "light-poseidon": version("light-poseidon"),
            "poseidon-hash-lib-from-circom": version("poseidon-hash-lib-from-circom"),
        },
        "published": {"inputs": ["1", "2"], "output": s(PUBLISHED_1_2)},
        "fingerprint": {
            "base": s(FINGERPRINT_BASE),
            "definition": "Horner: acc = 0; for v in values: acc = (acc * base + v) mod r; "
                          "MDS values row-major in zkshard's orientation new[i] = sum_j mds[i][j] * state[j]",
        },
        "widths": widths,
        "hashes": hashes,
        "sponge": {
            "definition": "h0 = Poseidon([domain, n]); h_{k+1} = Poseidon([h_k, 15 elements, zero-padded]); digest = last h",
            "defaultDomainTag": SPONGE_DOMAIN_TAG.decode(),
            "vectors": sponges,
        },
    }
    with open(out_path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {len(hashes)} hash vectors, {len(widths)} widths, {len(sponges)} sponge vectors to {out_path}", file=sys.stderr)


if __name__ == "__main__":
    main()
