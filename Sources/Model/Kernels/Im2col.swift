#if arch(x86_64) && canImport(_Builtin_intrinsics.intel) && !ZKSHARD_PORTABLE_KERNELS
import _Builtin_intrinsics.intel
#endif

/// Writes pixels [p0, p1) of the im2col row of reduction index k of one conv group into `row`
/// (int16): the input value that output pixel p multiplies with weight k, or 0 in the padding.
@inline(__always) @usableFromInline
func _im2colRow(_ input: UnsafePointer<Int16>, _ g: ConvGeometry, group: Int, k: Int,
                pixels p0: Int, _ p1: Int, into row: UnsafeMutablePointer<Int16>) {
    let kk = g.kernelH * g.kernelW
    let c = group * g.groupChannels + k / kk, i = (k % kk) / g.kernelW, j = k % g.kernelW
    let plane = input + c * g.height * g.width
    let valid = g.validColumns(kernelColumn: j)
    let off = j * g.dilationW - g.padLeft
    var p = p0
    var oy = p0 / g.outWidth
    while p < p1 {
        let rowStart = oy * g.outWidth
        let a = max(p, rowStart), b = min(p1, rowStart + g.outWidth)   // this output row's part
        let dst = row + (a - p0)
        let iy = oy * g.strideH + i * g.dilationH - g.padTop
        if iy < 0 || iy >= g.height {
            dst.update(repeating: 0, count: b - a)
        } else {
            let src = plane + iy * g.width
            let oxA = a - rowStart, oxB = b - rowStart
            let vLo = min(max(valid.lowerBound, oxA), oxB), vHi = max(min(valid.upperBound, oxB), vLo)
            if vLo > oxA { dst.update(repeating: 0, count: vLo - oxA) }
            let d = dst + (vLo - oxA)
            if g.strideW == 1 {
                if vHi > vLo { d.update(from: src + (vLo + off), count: vHi - vLo) }
            } else {
                let sw = g.strideW
                for ox in vLo..<vHi { d[ox - vLo] = src[ox * sw + off] }
            }
            if oxB > vHi { (dst + (vHi - oxA)).update(repeating: 0, count: oxB - vHi) }
        }
        p = b; oy += 1
    }
}

/// Interleaves two int16 rows into B-side pair words for `panels` whole panels:
/// panel t, column j gets (row0[t·_nr + j], row1[t·_nr + j]) at dst + t·panelStride + j.
@inline(__always) @usableFromInline
func _interleavePanels(_ row0: UnsafePointer<Int16>, _ row1: UnsafePointer<Int16>, panels: Int,
                       into dst: UnsafeMutablePointer<Int32>, panelStride: Int) {
    #if arch(x86_64) && canImport(_Builtin_intrinsics.intel) && !ZKSHARD_PORTABLE_KERNELS
    for t in 0..<panels {
        let d = dst + t * panelStride
        var j = 0
        while j < _nr {
            let a = UnsafeRawPointer(row0 + t * _nr + j).loadUnaligned(as: __m128i.self)
            let b = UnsafeRawPointer(row1 + t * _nr + j).loadUnaligned(as: __m128i.self)
            let out = UnsafeMutableRawPointer(d + j)
            out.storeBytes(of: _mm_unpacklo_epi16(a, b), toByteOffset: 0, as: __m128i.self)
            out.storeBytes(of: _mm_unpackhi_epi16(a, b), toByteOffset: 16, as: __m128i.self)
            j += 8
        }
    }
    #else
    for t in 0..<panels {
        for j in 0..<_nr { dst[t * panelStride + j] = _pair(row0[t * _nr + j], row1[t * _nr + j]) }
    }
    #endif
}

/// Packs panels [panel0, panel1) of the im2col matrix of `group` (columns = output pixels,
/// K = the group's reduction) into `dst` as B-side panels; every word is written.
/// `rows` is scratch for two rows of (panel1 − panel0)·_nr int16.
@usableFromInline
func _packIm2col(_ input: UnsafePointer<Int16>, _ g: ConvGeometry, group: Int, panels: Range<Int>,
                 rows: UnsafeMutablePointer<Int16>, into dst: UnsafeMutablePointer<Int32>) {
    let k = g.reduction, pairs = (k + 1) / 2
    let pixels = g.outHeight * g.outWidth
    let p0 = panels.lowerBound * _nr, pEnd = panels.upperBound * _nr, p1 = min(pEnd, pixels)
    let width = pEnd - p0
    let row0 = rows, row1 = rows + width
    // Pixels past the last one (padding of the last panel) stay zero in both rows.
    if p1 < pEnd {
        (row0 + (p1 - p0)).update(repeating: 0, count: pEnd - p1)
        (row1 + (p1 - p0)).update(repeating: 0, count: pEnd - p1)
    }
    for q in 0..<pairs {
        _im2colRow(input, g, group: group, k: 2 * q, pixels: p0, p1, into: row0)
        if 2 * q + 1 < k {
            _im2colRow(input, g, group: group, k: 2 * q + 1, pixels: p0, p1, into: row1)
        } else {
            row1.update(repeating: 0, count: p1 - p0)
        }
        _interleavePanels(row0, row1, panels: panels.count, into: dst + q * _nr, panelStride: pairs * _nr)
    }
}

/// Stride-1 convolutions as GEMMs over a zero-padded copy of the input: output pixel (oy, ox) is
/// column oy·Wp + ox of a grid as wide as the padded input (Wp), and the B row of reduction index
/// (c, i, j) is the padded plane of c shifted by i·dh·Wp + j·dw, so packing needs no index
/// arithmetic per element. Grid columns with ox ≥ outWidth are computed and dropped.
@usableFromInline
struct _ShiftedGrid {
    @usableFromInline let g: ConvGeometry
    @usableFromInline let paddedH: Int, paddedW: Int
    /// int16 planes of paddedH × paddedW, plus a zero tail that junk columns may read.
    @usableFromInline let planes: _AlignedBuffer<Int16>
    /// Output offset of each grid column (−1 for the dropped ones).
    @usableFromInline let columnMap: [Int]
    @usableFromInline var columns: Int { g.outHeight * paddedW }

    /// Whether the grid wastes at most a quarter of its columns.
    @usableFromInline static func applies(_ g: ConvGeometry) -> Bool {
        g.strideH == 1 && g.strideW == 1 && 4 * (g.padLeft + g.padRight + g.width - g.outWidth) <= g.width + g.padLeft + g.padRight
    }

    @usableFromInline init(_ g: ConvGeometry, input: UnsafeBufferPointer<Int64>) {
        self.g = g
        paddedH = g.height + g.padTop + g.padBottom; paddedW = g.width + g.padLeft + g.padRight
        let plane = paddedH * paddedW
        planes = _AlignedBuffer<Int16>(count: g.channels * plane + 2 * _nr + (g.kernelW - 1) * g.dilationW + 64)
        let p = planes.pointer
        for c in 0..<g.channels {
            for y in 0..<g.height {
                let src = input.baseAddress! + (c * g.height + y) * g.width
                let dst = p + c * plane + (y + g.padTop) * paddedW + g.padLeft
                for x in 0..<g.width { dst[x] = Int16(truncatingIfNeeded: src[x]) }
            }
        }
        var map = [Int](repeating: -1, count: g.outHeight * paddedW + _nr)
        for oy in 0..<g.outHeight { for ox in 0..<g.outWidth { map[oy * paddedW + ox] = oy * g.outWidth + ox } }
        columnMap = map
    }

    /// Packs grid panels `panels` of `group` into `dst` (every word written); `zeros` holds at
    /// least panels.count·_nr zero int16 for the odd last reduction index.
    @usableFromInline
    func pack(group: Int, panels: Range<Int>, zeros: UnsafeMutablePointer<Int16>, into dst: UnsafeMutablePointer<Int32>) {
        let k = g.reduction, pairs = (k + 1) / 2, kk = g.kernelH * g.kernelW
        let plane = paddedH * paddedW, g0 = panels.lowerBound * _nr
        func row(_ r: Int) -> UnsafePointer<Int16> {
            let c = group * g.groupChannels + r / kk, i = (r % kk) / g.kernelW, j = r % g.kernelW
            return UnsafePointer(planes.pointer + c * plane + i * g.dilationH * paddedW + j * g.dilationW + g0)
        }
        zeros.update(repeating: 0, count: panels.count * _nr)
        for q in 0..<pairs {
            let r1 = 2 * q + 1 < k ? row(2 * q + 1) : UnsafePointer(zeros)
            _interleavePanels(row(2 * q), r1, panels: panels.count, into: dst + q * _nr, panelStride: pairs * _nr)
        }
    }
}
