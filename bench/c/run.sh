#!/usr/bin/env bash
# Build and run the portable C CIOS Fq-multiply baseline, then the alternatives to zkshard's
# MULX/ADX product (fq_mul_variants.c: AVX2 four-lane, lazy-reduction Fq2, product rows alone).
# Uses clang if available, else gcc (override with CC=...). Builds in a temp dir.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [[ -n "${CC:-}" ]]; then
    cc="$CC"
elif command -v clang >/dev/null 2>&1; then
    cc=clang
else
    cc=gcc
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

"$cc" -O3 -march=native -o "$tmp/fq_mul_cios" "$here/fq_mul_cios.c"
echo "# compiler: $("$cc" --version | head -n1)"
"$tmp/fq_mul_cios"

"$cc" -O3 -march=native -I"$here/../../Sources/CFieldKernels/include" \
    -o "$tmp/fq_mul_variants" "$here/fq_mul_variants.c"
"$tmp/fq_mul_variants"
