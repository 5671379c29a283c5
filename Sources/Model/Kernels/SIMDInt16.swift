// The Swift (baseline) form of the int16 GEMM's one SIMD primitive: a multiply of int16 pairs
// summed into int32 lanes (x86 PMADDWD), plus add, zero and broadcast, chosen per build.
// On CPUs with AVX2 the GEMM runs the C microkernel in CGemmKernels instead (see
// `Int16Microkernel`); this form is the fallback and what that kernel is tested against.
//
// Default build (baseline x86-64, SSE2): 128-bit vectors, 4 int32 lanes. Builds with
// `-Xswiftc -target-cpu -Xswiftc haswell -Xswiftc -DZKSHARD_AVX2` get the 256-bit AVX2
// forms (8 lanes). Other architectures get a portable form whose wrap-around semantics are
// the same as PMADDWD's (each lane: a.lo·b.lo + a.hi·b.hi mod 2^32); `-DZKSHARD_PORTABLE_KERNELS`
// selects that form on x86 too, to test it.

#if arch(x86_64) && canImport(_Builtin_intrinsics.intel) && !ZKSHARD_PORTABLE_KERNELS
import _Builtin_intrinsics.intel

#if ZKSHARD_AVX2
@usableFromInline typealias _V = __m256i
/// Int32 lanes per vector.
@usableFromInline let _lanes = 8
@inline(__always) @usableFromInline func _zero() -> _V { _mm256_setzero_si256() }
@inline(__always) @usableFromInline func _madd(_ a: _V, _ b: _V) -> _V { _mm256_madd_epi16(a, b) }
@inline(__always) @usableFromInline func _add(_ a: _V, _ b: _V) -> _V { _mm256_add_epi32(a, b) }
@inline(__always) @usableFromInline func _broadcast(_ p: UnsafePointer<Int32>) -> _V { _mm256_set1_epi32(p.pointee) }
#else
@usableFromInline typealias _V = __m128i
@usableFromInline let _lanes = 4
@inline(__always) @usableFromInline func _zero() -> _V { _mm_setzero_si128() }
@inline(__always) @usableFromInline func _madd(_ a: _V, _ b: _V) -> _V { _mm_madd_epi16(a, b) }
@inline(__always) @usableFromInline func _add(_ a: _V, _ b: _V) -> _V { _mm_add_epi32(a, b) }
@inline(__always) @usableFromInline func _broadcast(_ p: UnsafePointer<Int32>) -> _V { _mm_set1_epi32(p.pointee) }
#endif

#else
@usableFromInline typealias _V = SIMD4<Int32>
@usableFromInline let _lanes = 4
@inline(__always) @usableFromInline func _zero() -> _V { _V() }
@inline(__always) @usableFromInline func _madd(_ a: _V, _ b: _V) -> _V {
    let alo = (a &<< 16) &>> 16, ahi = a &>> 16, blo = (b &<< 16) &>> 16, bhi = b &>> 16
    return alo &* blo &+ ahi &* bhi
}
@inline(__always) @usableFromInline func _add(_ a: _V, _ b: _V) -> _V { a &+ b }
@inline(__always) @usableFromInline func _broadcast(_ p: UnsafePointer<Int32>) -> _V { _V(repeating: p.pointee) }
#endif

/// Columns per packed B panel: the AVX2 kernel's two 8-lane vectors (ZK_GEMM_NR). The layout
/// is the same for every kernel, so weights packed once serve whichever kernel runs.
@usableFromInline let _nr = 16
/// Rows per microkernel call (ZK_GEMM_MR).
@usableFromInline let _mr = 6

/// Loads a vector from packed storage.
@inline(__always) @usableFromInline func _loadB(_ p: UnsafePointer<Int32>) -> _V {
    UnsafeRawPointer(p).loadUnaligned(as: _V.self)
}

/// Two int16 values as one int32 word, `lo` in the low half (PMADDWD's lane order).
@inline(__always) @usableFromInline func _pair(_ lo: Int16, _ hi: Int16) -> Int32 {
    Int32(bitPattern: UInt32(UInt16(bitPattern: lo)) | UInt32(UInt16(bitPattern: hi)) << 16)
}
