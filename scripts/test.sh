#!/usr/bin/env bash
# The whole test suite: Swift unit and CLI tests in release mode (cryptography runs at
# release speed), then the live interop tests against arkworks (groth16py) and py_ecc.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/deps.sh
# One release build: `swift test` also builds the zkshard executable the CLI and interop tests run.
swift test -c release
# Known-answer vectors must be reproducible from their generator.
.venv/bin/python vectors/gen_math_vectors.py /tmp/zkshard-math-vectors.json >/dev/null
cmp -s vectors/math_vectors.json /tmp/zkshard-math-vectors.json || { echo "vectors/math_vectors.json is stale: rerun vectors/gen_math_vectors.py" >&2; exit 1; }
.venv/bin/python vectors/gen_poseidon_vectors.py /tmp/zkshard-poseidon-vectors.json >/dev/null
cmp -s vectors/poseidon_vectors.json /tmp/zkshard-poseidon-vectors.json || { echo "vectors/poseidon_vectors.json is stale: rerun vectors/gen_poseidon_vectors.py" >&2; exit 1; }
ZKSHARD="$PWD/.build/release/zkshard" .venv/bin/python -m pytest -q tests/interop
