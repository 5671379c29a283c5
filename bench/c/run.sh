#!/usr/bin/env bash
# Build and run the portable C CIOS Fq-multiply baseline, then the alternatives to zkshard's
# MULX/ADX product (fq_mul_variants.c: AVX2 four-lane, lazy-reduction Fq2, product rows alone)
# and the MSM's batched affine additions in AVX2 against the scalar kernels (batch_affine_avx2.c).
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

# gcc cannot allocate registers for the MULX kernel's asm where the scalar batch inlines it
# (the Swift package compiles that kernel with clang, like this script by default).
if "$cc" --version | grep -q clang; then
    "$cc" -O3 -march=native -I"$here/../../Sources/CFieldKernels/include" \
        -o "$tmp/batch_affine_avx2" "$here/batch_affine_avx2.c"
    "$tmp/batch_affine_avx2"
else
    echo "# batch_affine_avx2.c skipped: needs clang"
fi
