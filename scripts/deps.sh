#!/usr/bin/env bash
# Installs what zkshard needs beyond the Swift toolchain, gcc and Python:
# the C libraries (GMP, libsodium, OpenSSL libcrypto, pkg-config) from Debian's packages
# and a Python venv (.venv) with the independent implementations the tests compare against.
# Idempotent: skips whatever is already there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

need=()
for pkg in libgmp-dev libsodium-dev libssl-dev pkg-config; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
if ! .venv/bin/python -c "import py_ecc, groth16py, pytest, numpy, sklearn, onnx, onnxruntime, ray" >/dev/null 2>&1; then
    .venv/bin/pip install -q --disable-pip-version-check -r vectors/requirements.txt -r tests/interop/requirements.txt
fi
