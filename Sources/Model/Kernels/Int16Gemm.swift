import CGemmKernels
import Dispatch

// The int16 GEMM engine behind the fast Gemm and Conv kernels.
//
// C[i][j] = Σ_k A[i][k] · B[j][k] with int16 operands, int32 multiply-accumulate (PMADDWD) and
// either an int32 C (when |C| provably fits) or an int64 C fed by K-blocks whose partial sums
// provably fit in int32. K is padded to an even count with zeros and consumed in pairs.
//
// Packed layouts (all in int32 words, each word one (k even, k odd) pair of int16):
// - A side ("rows", broadcast): groups of `_mr` rows; group g starts at word g·_mr·pairs;
//   inside a group of r rows, pair q of row i is at q·r + i.
// - B side ("panels", vectors): panels of `_nr` columns; panel p starts at word p·pairs·_nr,
//   pair q of column j at (q·_nr + j).
// The microkernel (`Int16Microkernel`) computes an r × `_nr` tile of C (r ≤ 6) in registers.

/// 64-byte-aligned, zero-filled storage for packed operands and int32/int64 tiles.
@usableFromInline
final class _AlignedBuffer<T>: @unchecked Sendable {
    @usableFromInline let pointer: UnsafeMutablePointer<T>
    @usableFromInline let count: Int
    @usableFromInline init(count: Int, zeroed: Bool = true) {
        self.count = max(count, 1)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: self.count * MemoryLayout<T>.stride, alignment: 64)
        if zeroed { raw.initializeMemory(as: UInt8.self, repeating: 0, count: self.count * MemoryLayout<T>.stride) }
        pointer = raw.bindMemory(to: T.self, capacity: self.count)
    }
    deinit { UnsafeMutableRawPointer(pointer).deallocate() }
}

/// Number of int32 words of a packed A side with `rows` rows and `pairs` K-pairs.
@inline(__always) @usableFromInline
func _packedASize(rows: Int, pairs: Int) -> Int {
    ((rows + _mr - 1) / _mr) * _mr * pairs
}

/// Number of int32 words of a packed B side with `cols` columns and `pairs` K-pairs.
@inline(__always) @usableFromInline
func _packedBSize(cols: Int, pairs: Int) -> Int {
    ((cols + _nr - 1) / _nr) * pairs * _nr
}

/// Packs rows of `src` (row i at src + i·ld, k values each) as the A side, truncating each value
/// to int16, and returns the OR of v ^ (v >> 63) over all values: see `_Magnitude`.
@inlinable @discardableResult
func _packA<T: FixedWidthInteger & SignedInteger>(_ src: UnsafePointer<T>, rows: Int, k: Int, ld: Int,
                                                  into dst: UnsafeMutablePointer<Int32>) -> UInt64 {
    let pairs = (k + 1) / 2, full = k / 2
    var bits: UInt64 = 0
    var g0 = 0
    while g0 < rows {
        let r = min(_mr, rows - g0)
        let base = dst + g0 * pairs
        for i in 0..<r {
            let row = src + (g0 + i) * ld
            var d = base + i
            for q in 0..<full {
                let v0 = Int64(row[2 * q]), v1 = Int64(row[2 * q + 1])
                bits |= UInt64(bitPattern: (v0 ^ (v0 &>> 63)) | (v1 ^ (v1 &>> 63)))
                let w = Int32(bitPattern: UInt32(truncatingIfNeeded: v0) & 0xFFFF | UInt32(truncatingIfNeeded: v1) << 16)
                d.pointee = w
                d += r
            }
            if full < pairs {
                let v0 = Int64(row[k - 1])
                bits |= UInt64(bitPattern: v0 ^ (v0 &>> 63))
                let w = Int32(bitPattern: UInt32(truncatingIfNeeded: v0) & 0xFFFF)
                d.pointee = w
            }
        }
        g0 += _mr
    }
    return bits
}

/// A magnitude bound computed branch-free: OR together v ^ (v >> 63) (that is v for v ≥ 0 and
/// |v| − 1 for v < 0) over the values; with B the smallest power of two above the OR, every
/// |v| ≤ B, and all values fit in int16 exactly when the OR is below 2^15.
@usableFromInline
struct _Magnitude {
    @usableFromInline var bits: UInt64 = 0
    @inlinable init(bits: UInt64) { self.bits = bits }
    @inlinable init(_ values: UnsafeBufferPointer<Int64>) {
        var b: UInt64 = 0
        for v in values { b |= UInt64(bitPattern: v ^ (v &>> 63)) }
        bits = b
    }
    @inlinable var fitsInt16: Bool { bits < 1 << 15 }
    /// A bound on every |v| (meaningful when `fitsInt16`).
    @inlinable var bound: Int64 { bits == 0 ? 1 : Int64(1) << (64 - bits.leadingZeroBitCount) }
}

/// `_packA` of Int64 rows, by the AVX2 packer in CGemmKernels when `microkernel` is `.avx2`
/// (same words whenever every value fits in int16, same returned bound always).
@usableFromInline
func _packA64(_ src: UnsafePointer<Int64>, rows: Int, k: Int, ld: Int, into dst: UnsafeMutablePointer<Int32>,
              microkernel: Int16Microkernel) -> UInt64 {
    if microkernel == .avx2 { return zk_gemm_pack_a_i64_avx2(src, rows, k, ld, dst) }
    return _packA(src, rows: rows, k: k, ld: ld, into: dst)
}

/// `_packA64` split over row groups on up to `threads` threads; returns the OR of all parts.
@usableFromInline
func _packAParallel(_ src: UnsafePointer<Int64>, rows: Int, k: Int, ld: Int,
                    into dst: UnsafeMutablePointer<Int32>, threads: Int, microkernel: Int16Microkernel) -> UInt64 {
    let groups = (rows + _mr - 1) / _mr, pairs = (k + 1) / 2
    // Below about 64 Ki values a second thread costs more than it saves.
    let parts = min(threads, max(1, rows * k / 65536), groups)
    if parts <= 1 { return _packA64(src, rows: rows, k: k, ld: ld, into: dst, microkernel: microkernel) }
    let seen = UnsafeMutablePointer<UInt64>.allocate(capacity: parts)
    defer { seen.deallocate() }
    DispatchQueue.concurrentPerform(iterations: parts) { t in
        let g0 = t * groups / parts, g1 = (t + 1) * groups / parts
        let r0 = g0 * _mr, r1 = min(rows, g1 * _mr)
        seen[t] = r1 > r0 ? _packA64(src + r0 * ld, rows: r1 - r0, k: k, ld: ld, into: dst + r0 * pairs,
                                      microkernel: microkernel) : 0
    }
    var bits: UInt64 = 0
    for t in 0..<parts { bits |= seen[t] }
    return bits
}

/// Packs columns [col0, col0 + cols) of `src` (column j at src + j·ld, k values each) as the B
/// side starting at panel 0 of `dst`; missing columns of the last panel stay as they are (zero).
@inlinable
func _packB<T: FixedWidthInteger>(_ src: UnsafePointer<T>, cols: Int, k: Int, ld: Int,
                                   into dst: UnsafeMutablePointer<Int32>) {
    let pairs = (k + 1) / 2
    for j in 0..<cols {
        let col = src + j * ld
        let d = dst + (j / _nr) * pairs * _nr + (j % _nr)
        for q in 0..<pairs {
            let lo = Int16(truncatingIfNeeded: col[2 * q])
            let hi: Int16 = 2 * q + 1 < k ? Int16(truncatingIfNeeded: col[2 * q + 1]) : 0
            d[q * _nr] = _pair(lo, hi)
        }
    }
}

// MARK: - Baseline microkernel

/// tile[0..<rows][cols] = A-group · B-panel over `pairs` pairs (int32, wrapping) for the panel's
/// columns `cols` = [col0, col0 + 2·_lanes): two vectors per row, 12 accumulators for 6 rows
/// (all 16 SSE registers would not hold a whole 16-column row set). `a` points at pair 0 of a
/// group of `rows` rows, `b` at pair 0 of a panel; tile rows are `_nr` int32 apart.
@inline(__always) @usableFromInline
func _microkernel(rows: Int, a: UnsafePointer<Int32>, b: UnsafePointer<Int32>, pairs: Int,
                  tile: UnsafeMutablePointer<Int32>, col0: Int) {
    var c00 = _zero(), c01 = _zero(), c10 = _zero(), c11 = _zero(), c20 = _zero(), c21 = _zero()
    var c30 = _zero(), c31 = _zero(), c40 = _zero(), c41 = _zero(), c50 = _zero(), c51 = _zero()
    var pa = a, pb = b + col0
    for _ in 0..<pairs {
        let b0 = _loadB(pb), b1 = _loadB(pb + _lanes)
        let a0 = _broadcast(pa)
        c00 = _add(c00, _madd(a0, b0)); c01 = _add(c01, _madd(a0, b1))
        if rows > 1 {
            let a1 = _broadcast(pa + 1)
            c10 = _add(c10, _madd(a1, b0)); c11 = _add(c11, _madd(a1, b1))
        }
        if rows > 2 {
            let a2 = _broadcast(pa + 2)
            c20 = _add(c20, _madd(a2, b0)); c21 = _add(c21, _madd(a2, b1))
        }
        if rows > 3 {
            let a3 = _broadcast(pa + 3)
            c30 = _add(c30, _madd(a3, b0)); c31 = _add(c31, _madd(a3, b1))
        }
        if rows > 4 {
            let a4 = _broadcast(pa + 4)
            c40 = _add(c40, _madd(a4, b0)); c41 = _add(c41, _madd(a4, b1))
        }
        if rows > 5 {
            let a5 = _broadcast(pa + 5)
            c50 = _add(c50, _madd(a5, b0)); c51 = _add(c51, _madd(a5, b1))
        }
        pa += rows; pb += _nr
    }
    let t = UnsafeMutableRawPointer(tile + col0)
    func store(_ i: Int, _ lo: _V, _ hi: _V) {
        t.storeBytes(of: lo, toByteOffset: i * _nr * 4, as: _V.self)
        t.storeBytes(of: hi, toByteOffset: (i * _nr + _lanes) * 4, as: _V.self)
    }
    store(0, c00, c01)
    if rows > 1 { store(1, c10, c11) }
    if rows > 2 { store(2, c20, c21) }
    if rows > 3 { store(3, c30, c31) }
    if rows > 4 { store(4, c40, c41) }
    if rows > 5 { store(5, c50, c51) }
}

/// The whole r × `_nr` tile, in `_nr / (2·_lanes)` column strips.
@inline(__always) @usableFromInline
func _baselineTile(rows: Int, a: UnsafePointer<Int32>, b: UnsafePointer<Int32>, pairs: Int,
                   tile: UnsafeMutablePointer<Int32>) {
    var col0 = 0
    while col0 < _nr {
        _microkernel(rows: rows, a: a, b: b, pairs: pairs, tile: tile, col0: col0)
        col0 += 2 * _lanes
    }
}

@inline(never) @usableFromInline func _kernel1(_ a: UnsafePointer<Int32>, _ b: UnsafePointer<Int32>, _ p: Int, _ t: UnsafeMutablePointer<Int32>) { _baselineTile(rows: 1, a: a, b: b, pairs: p, tile: t) }
@inline(never) @usableFromInline func _kernel2(_ a: UnsafePointer<Int32>, _ b: UnsafePointer<Int32>, _ p: Int, _ t: UnsafeMutablePointer<Int32>) { _baselineTile(rows: 2, a: a, b: b, pairs: p, tile: t) }
@inline(never) @usableFromInline func _kernel3(_ a: UnsafePointer<Int32>, _ b: UnsafePointer<Int32>, _ p: Int, _ t: UnsafeMutablePointer<Int32>) { _baselineTile(rows: 3, a: a, b: b, pairs: p, tile: t) }
@inline(never) @usableFromInline func _kernel4(_ a: UnsafePointer<Int32>, _ b: UnsafePointer<Int32>, _ p: Int, _ t: UnsafeMutablePointer<Int32>) { _baselineTile(rows: 4, a: a, b: b, pairs: p, tile: t) }
@inline(never) @usableFromInline func _kernel5(_ a: UnsafePointer<Int32>, _ b: UnsafePointer<Int32>, _ p: Int, _ t: UnsafeMutablePointer<Int32>) { _baselineTile(rows: 5, a: a, b: b, pairs: p, tile: t) }
@inline(never) @usableFromInline func _kernel6(_ a: UnsafePointer<Int32>, _ b: UnsafePointer<Int32>, _ p: Int, _ t: UnsafeMutablePointer<Int32>) { _baselineTile(rows: 6, a: a, b: b, pairs: p, tile: t) }

/// The baseline kernel for groups of `rows` rows.
@inline(__always) @usableFromInline
func _baselineKernel(rows: Int) -> (UnsafePointer<Int32>, UnsafePointer<Int32>, Int, UnsafeMutablePointer<Int32>) -> Void {
    switch rows {
    case 1: return _kernel1
    case 2: return _kernel2
    case 3: return _kernel3
    case 4: return _kernel4
    case 5: return _kernel5
    default: return _kernel6
    }
}

// MARK: - Driver

/// Splits `0..<count` into `parts` contiguous, balanced ranges and runs them on up to `parts`
/// threads (inline when `parts == 1`).
@usableFromInline
func _parallelRanges(_ count: Int, parts: Int, _ body: (Range<Int>) -> Void) {
    let workers = max(1, min(parts, count))
    if workers == 1 { if count > 0 { body(0..<count) }; return }
    withoutActuallyEscaping(body) { b in
        DispatchQueue.concurrentPerform(iterations: workers) { t in
            b((t * count / workers)..<((t + 1) * count / workers))
        }
    }
}

/// How one int16 GEMM accumulates.
@usableFromInline
struct _GemmPlan {
    @usableFromInline var rows: Int
    @usableFromInline var cols: Int
    @usableFromInline var pairs: Int
    /// K-pairs per block; each block's partial sums fit in int32.
    @usableFromInline var kcPairs: Int
    /// K-blocks shortened so that each block's partial sums fit in int32 (their sum may not).
    @usableFromInline var wide: Bool

    /// Chooses the accumulator width from sound bounds: every |A| ≤ maxAbsA, every |B| ≤ maxAbsB,
    /// and every output's |Σ_k A·B| ≤ sumBound (nil: may exceed Int64). Nil when even one pair's
    /// product sum may leave int32 (then the caller uses Int64 arithmetic throughout).
    @usableFromInline
    init?(rows: Int, cols: Int, k: Int, maxAbsA: Int64, maxAbsB: Int64, sumBound: Int64?) {
        self.rows = rows; self.cols = cols; pairs = (k + 1) / 2
        let limit = Int64(Int32.max)
        let (pairBound, o) = maxAbsA.multipliedReportingOverflow(by: maxAbsB)
        guard !o, pairBound <= limit / 2 else { return nil }
        // An A micro-panel (one group, one K-block) should stay in L1 (about 16 KiB).
        let groupRows = min(rows, _mr)
        var kc = max(16, (16 * 1024) / (groupRows * 4))
        if let sumBound, sumBound <= limit {
            wide = false        // sumBound bounds Σ|A·B|, so every partial sum fits in int32 too
        } else {
            wide = true
            kc = min(kc, Int(limit / (2 * max(pairBound, 1))))  // each block's partial sum fits
        }
        kcPairs = max(1, min(kc, pairs))
    }
}

/// a · b, or nil on Int64 overflow.
@inline(__always) @usableFromInline
func _product(_ a: Int64, _ b: Int64) -> Int64? {
    let (r, o) = a.multipliedReportingOverflow(by: b)
    return o ? nil : r
}

/// Bias added to the output of one GEMM: one value per row (Conv: output channels), one per
/// column (Gemm: output features), or none.
@usableFromInline
enum _Bias {
    case none
    case rows(UnsafePointer<Int64>)
    case columns(UnsafePointer<Int64>)
}

/// Runs out = A · Bᵀ + bias with a packed A side and a B side delivered per chunk of panels,
/// writing the Int64 output directly: the first K-block stores, later blocks add.
///
/// Row i of the output starts at out + i·ldo. Column j goes to offset j of the row, or, with a
/// `columnMap`, to offset columnMap[j] (skipped when negative).
/// `packB(panels, scratch)` returns a pointer to the packed panels `panels` (pairs·_nr words per
/// panel), either inside prepacked storage or written into `scratch` (room for the chunk's panels
/// followed by panels.count·_nr more words of workspace, when `needsScratch`).
@usableFromInline
func _runGemm(plan: _GemmPlan, a: UnsafePointer<Int32>, out: UnsafeMutablePointer<Int64>, ldo: Int,
              columnMap: UnsafePointer<Int>? = nil, bias: _Bias, threads: Int, microkernel: Int16Microkernel,
              needsScratch: Bool,
              packB: (Range<Int>, UnsafeMutablePointer<Int32>) -> UnsafePointer<Int32>) {
    let rows = plan.rows, cols = plan.cols, pairs = plan.pairs, kc = plan.kcPairs
    let panels = (cols + _nr - 1) / _nr
    let groups = (rows + _mr - 1) / _mr
    guard rows > 0, panels > 0 else { return }
    // A chunk of B panels (all pairs) should stay in L2 (about 256 KiB).
    let chunkPanels = max(1, min(panels, (256 * 1024) / max(1, pairs * _nr * 4)))
    let t = max(1, threads)
    let splitPanels = panels >= t || groups < t
    let parts = splitPanels ? min(t, panels) : min(t, groups)

    _parallelRanges(splitPanels ? panels : groups, parts: parts) { range in
        let panelRange = splitPanels ? range : 0..<panels
        let groupRange = splitPanels ? 0..<groups : range
        let scratchWords = needsScratch ? chunkPanels * (pairs + 1) * _nr : 0
        let raw = UnsafeMutableRawPointer.allocate(byteCount: (scratchWords + _mr * _nr) * 4, alignment: 64)
        defer { raw.deallocate() }
        let tile = raw.bindMemory(to: Int32.self, capacity: scratchWords + _mr * _nr)
        let scratch = tile + _mr * _nr
        var p0 = panelRange.lowerBound
        while p0 < panelRange.upperBound {
            let p1 = min(p0 + chunkPanels, panelRange.upperBound)
            let bChunk = packB(p0..<p1, scratch)
            var q0 = 0
            while q0 < pairs {
                let kp = min(kc, pairs - q0), first = q0 == 0
                for g in groupRange {
                    let r = min(_mr, rows - g * _mr)
                    let kernel = microkernel.tileFunction(rows: r)
                    let aBlock = a + g * _mr * pairs + q0 * r
                    for p in p0..<p1 {
                        kernel(aBlock, bChunk + (p - p0) * pairs * _nr + q0 * _nr, kp, tile)
                        let c0 = p * _nr, width = min(_nr, cols - c0)
                        // Where the tile's columns go: a contiguous run, or one by one through the map.
                        var start = c0
                        if let map = columnMap {
                            let m0 = map[c0]
                            if m0 >= 0 && map[c0 + width - 1] == m0 + width - 1 {
                                start = m0
                            } else {
                                _scatterTile(tile, rows: r, width: width, out: out + g * _mr * ldo, ldo: ldo,
                                             map: map + c0, first: first, bias: bias, row0: g * _mr, col0: c0)
                                continue
                            }
                        }
                        let dst = out + g * _mr * ldo + start
                        for i in 0..<r {
                            let d = dst + i * ldo, s = tile + i * _nr
                            if !first {
                                for j in 0..<width { d[j] &+= Int64(s[j]) }
                            } else {
                                switch bias {
                                case .none: for j in 0..<width { d[j] = Int64(s[j]) }
                                case .rows(let b): let v = b[g * _mr + i]; for j in 0..<width { d[j] = Int64(s[j]) &+ v }
                                case .columns(let b): let bc = b + c0; for j in 0..<width { d[j] = Int64(s[j]) &+ bc[j] }
                                }
                            }
                        }
                    }
                }
                q0 += kp
            }
            p0 = p1
        }
    }
}

/// The epilogue for tiles whose columns are not one contiguous run of the output.
@inline(never) @usableFromInline
func _scatterTile(_ tile: UnsafeMutablePointer<Int32>, rows: Int, width: Int, out: UnsafeMutablePointer<Int64>,
                  ldo: Int, map: UnsafePointer<Int>, first: Bool, bias: _Bias, row0: Int, col0: Int) {
    for i in 0..<rows {
        let d = out + i * ldo, s = tile + i * _nr
        for j in 0..<width {
            let m = map[j]
            if m < 0 { continue }
            if !first { d[m] &+= Int64(s[j]); continue }
            switch bias {
            case .none: d[m] = Int64(s[j])
            case .rows(let b): d[m] = Int64(s[j]) &+ b[row0 + i]
            case .columns(let b): d[m] = Int64(s[j]) &+ b[col0 + j]
            }
        }
    }
}
