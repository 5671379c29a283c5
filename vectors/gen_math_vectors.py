#!/usr/bin/env python3
"""Generate known-answer test vectors for the zkshard BN254 (alt_bn128) math core.

Reference implementation: py_ecc (see vectors/requirements.txt). Output:
vectors/math_vectors.json (deterministic; fixed seed). All numbers are decimal
strings; affine points; null = point at infinity.

Fq12 layout used by zkshard (tower):
    Fq2  = Fq[u]/(u^2 + 1)
    Fq6  = Fq2[v]/(v^3 - (9 + u))
    Fq12 = Fq6[w]/(w^2 - v)
An Fq12 element is 12 decimal strings in the order
    c0.b0.c0, c0.b0.c1, c0.b1.c0, c0.b1.c1, c0.b2.c0, c0.b2.c1,
    c1.b0.c0, c1.b0.c1, c1.b1.c0, c1.b1.c1, c1.b2.c0, c1.b2.c1
py_ecc's FQ12 is a flat polynomial in w modulo w^12 - 18 w^6 + 82 with
u = w^6 - 9; the conversion functions below map between the two and are
checked against an independent tower multiplication implemented here.

Usage: python vectors/gen_math_vectors.py [output.json]
"""

import hashlib
import json
import os
import random
import sys

from py_ecc.fields import (
    bn128_FQ as FQ,
    bn128_FQ2 as FQ2,
    bn128_FQ12 as FQ12,
)
from py_ecc.fields.field_elements import FQ as _BaseFQ
import py_ecc.optimized_bn128 as ob

try:
    from importlib.metadata import version as _pkg_version

    PY_ECC_VERSION = _pkg_version("py_ecc")
except Exception:  # pragma: no cover
    PY_ECC_VERSION = "unknown"

P = FQ.field_modulus
R = ob.curve_order
assert P == ob.field_modulus
assert P == 21888242871839275222246405745257275088696311157297823662689037894645226208583
assert R == 21888242871839275222246405745257275088548364400416034343698204186575808495617

SEED = 20261129
rng = random.Random(SEED)


class FR(_BaseFQ):
    """Scalar field of BN254, built on py_ecc's generic prime-field class."""

    field_modulus = R


def s(x):
    return str(int(x))


# ---------------------------------------------------------------------------
# Prime fields (Fq, Fr)
# ---------------------------------------------------------------------------

def legendre(a, m):
    a %= m
    if a == 0:
        return 0
    t = pow(a, (m - 1) // 2, m)
    assert t in (1, m - 1)
    return 1 if t == 1 else -1


def sqrt_mod(a, m):
    """Square root mod prime m (Tonelli-Shanks); returns the smaller root or None."""
    a %= m
    if a == 0:
        return 0
    if legendre(a, m) != 1:
        return None
    if m % 4 == 3:
        x = pow(a, (m + 1) // 4, m)
    else:
        q, e = m - 1, 0
        while q % 2 == 0:
            q //= 2
            e += 1
        z = 2
        while legendre(z, m) != -1:
            z += 1
        c = pow(z, q, m)
        x = pow(a, (q + 1) // 2, m)
        t = pow(a, q, m)
        while t != 1:
            i, t2 = 0, t
            while t2 != 1:
                t2 = t2 * t2 % m
                i += 1
            b = pow(c, 1 << (e - i - 1), m)
            x = x * b % m
            c = b * b % m
            t = t * c % m
            e = i
    assert x * x % m == a
    return min(x, m - x)


def edge_values(m):
    vals = [0, 1, 2, m - 1, m - 2, 2**64 - 1, 2**64, 2**128, 2**192,
            2**255 % m, (m - 1) // 2]
    return [v % m for v in vals]


def prime_field_vectors(F, m, n_total=60):
    edges = edge_values(m)
    a_vals = list(edges)
    # pair edges with edges and randoms as b
    while len(a_vals) < n_total:
        a_vals.append(rng.randrange(m))
    b_vals = []
    for i in range(n_total):
        if i < len(edges):
            # edge a with a mix of edge / random b
            choice = i % 3
            if choice == 0:
                b_vals.append(edges[(i * 5 + 3) % len(edges)])
            else:
                b_vals.append(rng.randrange(m))
        elif i < 2 * len(edges):
            b_vals.append(edges[i % len(edges)])
        else:
            b_vals.append(rng.randrange(m))
    # exponents: 0, 1, m-2, (m-1)/2, then random 256-bit values
    fixed_exps = [0, 1, m - 2, (m - 1) // 2, m - 1, 2]
    out = []
    for i, (a, b) in enumerate(zip(a_vals, b_vals)):
        e = fixed_exps[i] if i < len(fixed_exps) else rng.getrandbits(256)
        if i >= len(fixed_exps) and i % 7 == 0:
            e = fixed_exps[i % len(fixed_exps)]
        fa, fb = F(a), F(b)
        add, sub, mul = fa + fb, fa - fb, fa * fb
        sq, neg = fa * fa, -fa
        inv = None if a == 0 else F(1) / fa
        pw = fa ** e
        # cross-check py_ecc against plain integer arithmetic
        assert int(add) == (a + b) % m
        assert int(sub) == (a - b) % m
        assert int(mul) == a * b % m
        assert int(sq) == a * a % m
        assert int(neg) == (-a) % m
        if inv is not None:
            assert int(inv) == pow(a, -1, m)
            assert int(inv * fa) == 1
        assert int(pw) == pow(a, e, m)
        leg = legendre(a, m)
        r = sqrt_mod(a, m)
        assert (r is None) == (leg == -1)
        if r is not None:
            assert int(F(r) * F(r)) == a and r <= m - r
        out.append({
            "a": s(a), "b": s(b),
            "add": s(add), "sub": s(sub), "mul": s(mul),
            "square": s(sq), "neg": s(neg),
            "inv": None if inv is None else s(inv),
            "pow_e": s(e), "pow": s(pw),
            "sqrt": None if r is None else s(r),
            "legendre": leg,
        })
    return out


# ---------------------------------------------------------------------------
# Fq2 (py_ecc FQ2 coeffs (c0, c1) = c0 + c1*u, u^2 = -1)
# ---------------------------------------------------------------------------

def fq2_list(x):
    return [s(c) for c in x.coeffs]


def fq2_vectors(n_total=30):
    assert FQ2([0, 1]) * FQ2([0, 1]) == FQ2([P - 1, 0])  # u^2 = -1
    fixed_a = [(1, 0), (0, 1), (P - 1, P - 1), (0, P - 1), (2, 0), (P - 1, 0),
               (2**64, 2**128 % P), (9, 1)]
    fixed_b = [(0, 0), (1, 0), (0, 1), (P - 1, P - 1), (9, 1), (P - 2, 3),
               (0, 0), (2**192 % P, 2**255 % P)]
    out = []
    for i in range(n_total):
        if i < len(fixed_a):
            a, b = fixed_a[i], fixed_b[i]
        else:
            a = (rng.randrange(P), rng.randrange(P))
            b = (rng.randrange(P), rng.randrange(P))
        assert a != (0, 0)
        fa, fb = FQ2(list(a)), FQ2(list(b))
        add, sub, mul, sq = fa + fb, fa - fb, fa * fb, fa * fa
        inv = fa.inv()
        # cross-check with direct formulas
        a0, a1 = a
        b0, b1 = b
        assert [int(c) for c in mul.coeffs] == [(a0 * b0 - a1 * b1) % P, (a0 * b1 + a1 * b0) % P]
        assert fa * inv == FQ2.one()
        out.append({
            "a": [s(a0), s(a1)], "b": [s(b0), s(b1)],
            "add": fq2_list(add), "sub": fq2_list(sub), "mul": fq2_list(mul),
            "square": fq2_list(sq), "inv": fq2_list(inv),
        })
    return out


# ---------------------------------------------------------------------------
# Fq12 tower <-> py_ecc flat representation
# ---------------------------------------------------------------------------
# Tower list t[0..11]; as a polynomial in w: a_i = x_i + y_i*u with
# a_0 = c0.b0 (t0,t1), a_2 = c0.b1 (t2,t3), a_4 = c0.b2 (t4,t5),
# a_1 = c1.b0 (t6,t7), a_3 = c1.b1 (t8,t9), a_5 = c1.b2 (t10,t11).
# tower index of a_i:
_A_IDX = {0: 0, 2: 2, 4: 4, 1: 6, 3: 8, 5: 10}


def tower_to_pyecc(t):
    """12 tower ints -> py_ecc FQ12 (coef[i] = x_i - 9*y_i, coef[i+6] = y_i)."""
    assert len(t) == 12
    coef = [0] * 12
    for i in range(6):
        x, y = t[_A_IDX[i]] % P, t[_A_IDX[i] + 1] % P
        coef[i] = (x - 9 * y) % P
        coef[i + 6] = y
    return FQ12(coef)


def pyecc_to_tower(f):
    """py_ecc FQ12 -> 12 tower ints (y_i = c[i+6], x_i = c[i] + 9*c[i+6])."""
    c = [int(v) % P for v in f.coeffs]
    assert len(c) == 12
    t = [0] * 12
    for i in range(6):
        t[_A_IDX[i]] = (c[i] + 9 * c[i + 6]) % P
        t[_A_IDX[i] + 1] = c[i + 6]
    return t


# Tiny independent tower arithmetic (plain ints) used only as a check.
def _f2add(a, b):
    return ((a[0] + b[0]) % P, (a[1] + b[1]) % P)


def _f2sub(a, b):
    return ((a[0] - b[0]) % P, (a[1] - b[1]) % P)


def _f2mul(a, b):
    return ((a[0] * b[0] - a[1] * b[1]) % P, (a[0] * b[1] + a[1] * b[0]) % P)


_XI = (9, 1)  # 9 + u


def _f6mul(a, b):
    # a, b: (b0, b1, b2) of Fq2, v^3 = xi
    prod = [(0, 0)] * 5
    for i in range(3):
        for j in range(3):
            prod[i + j] = _f2add(prod[i + j], _f2mul(a[i], b[j]))
    return (_f2add(prod[0], _f2mul(prod[3], _XI)),
            _f2add(prod[1], _f2mul(prod[4], _XI)),
            prod[2])


def _f6add(a, b):
    return tuple(_f2add(x, y) for x, y in zip(a, b))


def _f6mul_by_v(a):
    # (b0 + b1 v + b2 v^2) * v = xi*b2 + b0 v + b1 v^2
    return (_f2mul(a[2], _XI), a[0], a[1])


def _t_to_f12(t):
    f2 = [(t[2 * k], t[2 * k + 1]) for k in range(6)]
    return ((f2[0], f2[1], f2[2]), (f2[3], f2[4], f2[5]))


def _f12_to_t(f):
    out = []
    for half in f:
        for e in half:
            out += [e[0] % P, e[1] % P]
    return out


def tower_mul(x, y):
    a, b = _t_to_f12(x), _t_to_f12(y)
    # (a0 + a1 w)(b0 + b1 w) = a0b0 + a1b1 v + (a0b1 + a1b0) w
    c0 = _f6add(_f6mul(a[0], b[0]), _f6mul_by_v(_f6mul(a[1], b[1])))
    c1 = _f6add(_f6mul(a[0], b[1]), _f6mul(a[1], b[0]))
    return _f12_to_t((c0, c1))


TOWER_ONE = [1] + [0] * 11


def tower_pow(x, e):
    result, base = list(TOWER_ONE), list(x)
    while e:
        if e & 1:
            result = tower_mul(result, base)
        base = tower_mul(base, base)
        e >>= 1
    return result


def self_check_fq12_mapping():
    # u = w^6 - 9 satisfies u^2 = -1 in py_ecc's FQ12
    u = FQ12([P - 9] + [0] * 5 + [1] + [0] * 5)
    assert u * u == -FQ12.one()
    # generators of the tower map to the expected py_ecc elements
    w_t = [0] * 12
    w_t[6] = 1  # c1.b0.c0 = 1  -> w
    assert tower_to_pyecc(w_t) == FQ12([0, 1] + [0] * 10)
    v_t = [0] * 12
    v_t[2] = 1  # c0.b1.c0 = 1 -> v = w^2
    assert tower_to_pyecc(v_t) == FQ12([0, 0, 1] + [0] * 9)
    u_t = [0] * 12
    u_t[1] = 1  # c0.b0.c1 = 1 -> u
    assert tower_to_pyecc(u_t) == u
    # v^3 = 9 + u
    v = tower_to_pyecc(v_t)
    assert v * v * v == tower_to_pyecc([9, 1] + [0] * 10)
    crng = random.Random(SEED ^ 0xC0FFEE)  # separate stream: keeps the main stream stable
    for _ in range(8):
        x = [crng.randrange(P) for _ in range(12)]
        y = [crng.randrange(P) for _ in range(12)]
        # round trips
        assert pyecc_to_tower(tower_to_pyecc(x)) == x
        fx = FQ12([crng.randrange(P) for _ in range(12)])
        assert tower_to_pyecc(pyecc_to_tower(fx)) == fx
        # multiplication agrees
        assert pyecc_to_tower(tower_to_pyecc(x) * tower_to_pyecc(y)) == tower_mul(x, y)
        # addition agrees (linear map)
        assert pyecc_to_tower(tower_to_pyecc(x) + tower_to_pyecc(y)) == [(a + b) % P for a, b in zip(x, y)]


def fq12_list(f):
    return [s(c) for c in pyecc_to_tower(f)]


def fq12_vectors(n_total=6):
    out = []
    for i in range(n_total):
        a = [rng.randrange(P) for _ in range(12)]
        b = [rng.randrange(P) for _ in range(12)]
        if i == 0:
            b = list(TOWER_ONE)  # a * 1
        fa, fb = tower_to_pyecc(a), tower_to_pyecc(b)
        mul = fa * fb
        inv = fa.inv()
        assert pyecc_to_tower(mul) == tower_mul(a, b)
        assert tower_mul(a, pyecc_to_tower(inv)) == TOWER_ONE
        out.append({
            "a": [s(c) for c in a], "b": [s(c) for c in b],
            "mul": fq12_list(mul), "inv": fq12_list(inv),
        })
    return out


# ---------------------------------------------------------------------------
# Curves (py_ecc optimized_bn128, Jacobian-like projective -> normalized affine)
# ---------------------------------------------------------------------------

def affine(pt):
    if ob.is_inf(pt):
        return None
    return ob.normalize(pt)


def g1_json(pt):
    a = affine(pt)
    if a is None:
        return None
    return [s(a[0]), s(a[1])]


def g2_json(pt):
    a = affine(pt)
    if a is None:
        return None
    return [[s(c) for c in a[0].coeffs], [s(c) for c in a[1].coeffs]]


def curve_vectors(G, b_coef, to_json):
    out = []
    # (p_scalar, q_scalar or 'neg'/'same', k)
    cases = [
        (1, 1, 0),            # G + G; k = 0
        (1, 2, 1),            # G + 2G; k = 1
        (None, "same", R - 1),  # p == q; k = r-1
        (None, "neg", R),     # q == -p; k = r -> inf
        (2, None, 2),
        (None, None, None),
        (None, "same", None),
        (None, "neg", None),
        (1, R - 1, None),     # G + (-G)
        (None, None, R + 1),  # k > r
        (None, None, 2**256 - 1),  # largest 256-bit k
    ]
    while len(cases) < 16:
        cases.append((None, None, None))
    for ps, qs, k in cases:
        if ps is None:
            ps = rng.randrange(1, R)
        if qs == "same":
            qs = ps
        elif qs == "neg":
            qs = R - ps
        elif qs is None:
            qs = rng.randrange(1, R)
        if k is None:
            k = rng.randrange(R)
        p = ob.multiply(G, ps)
        q = ob.multiply(G, qs)
        add = ob.add(p, q)
        dbl = ob.double(p)
        kp = ob.multiply(p, k)
        for pt in (p, q, add, dbl, kp):
            assert ob.is_inf(pt) or ob.is_on_curve(pt, b_coef)
        # consistency checks
        # (compare normalized affine forms: ob.eq is vacuous when a z is 0)
        assert to_json(add) == to_json(ob.multiply(G, (ps + qs) % R))
        assert ob.is_inf(add) == ((ps + qs) % R == 0)
        assert to_json(dbl) == to_json(ob.multiply(G, 2 * ps % R))
        assert ob.is_inf(kp) == ((ps * k) % R == 0)
        assert to_json(kp) == to_json(ob.multiply(G, ps * k % R))
        if ps == qs:
            assert to_json(add) == to_json(dbl)
        out.append({
            "p": to_json(p), "q": to_json(q),
            "add": to_json(add), "double": to_json(dbl),
            "k": s(k), "kp": to_json(kp),
        })
    return out


# ---------------------------------------------------------------------------
# Pairing
# ---------------------------------------------------------------------------

def pairing_vectors(n_total=6):
    pairs = [(1, 1), (2, 1), (1, 2), (R - 1, 1)]
    while len(pairs) < n_total:
        pairs.append((rng.randrange(1, R), rng.randrange(1, R)))
    out = []
    e_base = None
    for a, b in pairs:
        P1 = ob.multiply(ob.G1, a)
        Q2 = ob.multiply(ob.G2, b)
        e = ob.pairing(Q2, P1)  # py_ecc order: pairing(G2 point, G1 point)
        if (a, b) == (1, 1):
            e_base = e
            assert e != ob.FQ12.one()
            assert e ** R == ob.FQ12.one()
        else:
            # bilinearity: e(aP, bQ) == e(P, Q)^(ab); also in the tower arithmetic
            assert e == e_base ** (a * b % R)
            assert pyecc_to_tower(e) == tower_pow(pyecc_to_tower(e_base), a * b % R)
        out.append({
            "a": s(a), "b": s(b),
            "p": g1_json(P1), "q": g2_json(Q2),
            "e": fq12_list(e),
        })
    # e(P, Q) * e(-P, Q) == 1
    assert ob.pairing(ob.G2, ob.G1) * ob.pairing(ob.G2, ob.neg(ob.G1)) == ob.FQ12.one()
    return out


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "math_vectors.json")
    self_check_fq12_mapping()
    data = {
        "generator": "vectors/gen_math_vectors.py (py_ecc %s)" % PY_ECC_VERSION,
        "fq_modulus": s(P),
        "fr_modulus": s(R),
        "fq": prime_field_vectors(FQ, P),
        "fr": prime_field_vectors(FR, R),
        "fq2": fq2_vectors(),
        "fq12": fq12_vectors(),
        "g1": curve_vectors(ob.G1, ob.b, g1_json),
        "g2": curve_vectors(ob.G2, ob.b2, g2_json),
        "pairing": pairing_vectors(),
        "g1_generator": g1_json(ob.G1),
        "g2_generator": g2_json(ob.G2),
    }
    text = json.dumps(data, indent=1) + "\n"
    with open(out_path, "w") as fh:
        fh.write(text)
    print("wrote %s (%d bytes, sha256 %s)" % (
        out_path, len(text), hashlib.sha256(text.encode()).hexdigest()))


if __name__ == "__main__":
    main()
