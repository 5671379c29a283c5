import CGemmKernels

/// Which microkernel computes the register tiles of the int16 GEMM. Every kernel computes the
/// same int32 lanes (PMADDWD pair products, wrapping int32 adds) from the same packed layout,
/// so their tiles are bit-identical; they differ only in speed.
public enum Int16Microkernel: String, Sendable, CaseIterable {
    /// C with AVX2 intrinsics (CGemmKernels): a 6 × 16 int32 tile in 12 ymm registers.
    /// Swift cannot target AVX2 per function, so this is how a baseline x86-64 build uses it.
    case avx2
    /// Swift: two 6 × 8 SSE2 strips on x86-64, portable SIMD elsewhere.
    case baseline

    /// The fastest kernel this CPU can run, decided once per process.
    public static let best: Int16Microkernel = avx2.isAvailable ? .avx2 : .baseline

    /// Whether this CPU can run the kernel.
    public var isAvailable: Bool {
        switch self {
        case .avx2: return zk_gemm_cpu_has_avx2() != 0
        case .baseline: return true
        }
    }

    /// The kernel for groups of `rows` rows (1...`_mr`); the `.avx2` one only if `isAvailable`.
    @inline(__always) @usableFromInline
    func tileFunction(rows: Int) -> _Tile {
        _Tile(rows: rows, avx2: self == .avx2)
    }
}

/// One r × `_nr` tile computation: tile[i·_nr + j] = Σ_q A[q·r + i] ⊙ B[q·_nr + j] over `pairs`
/// pairs (see `_microkernel` for the arguments).
@usableFromInline
struct _Tile {
    @usableFromInline let rows: Int
    @usableFromInline let avx2: Bool
    @inline(__always) @usableFromInline init(rows: Int, avx2: Bool) { self.rows = rows; self.avx2 = avx2 }

    @inline(__always) @usableFromInline
    func callAsFunction(_ a: UnsafePointer<Int32>, _ b: UnsafePointer<Int32>, _ pairs: Int, _ tile: UnsafeMutablePointer<Int32>) {
        if avx2 {
            zk_gemm_tile_avx2(Int32(rows), a, b, pairs, tile)
        } else {
            _baselineKernel(rows: rows)(a, b, pairs, tile)
        }
    }
}
