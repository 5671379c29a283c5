#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// printf-style formatting through the C library's `vsnprintf`, for the cases
/// `String(format:)` served (it lives in Foundation, not FoundationEssentials).
///
/// The format follows C, not Foundation: there is no `%@`; pass Swift `Int` with `%ld`/`%d`
/// only for values that fit (`%d` reads 32 bits), strings by interpolation. Each `%`
/// conversion must match its argument's C type, exactly as for `printf`.
public func format(_ fmt: String, _ args: CVarArg...) -> String {
    format(fmt, arguments: args)
}

public func format(_ fmt: String, arguments args: [CVarArg]) -> String {
    var small = [CChar](repeating: 0, count: 128)
    let needed = small.withUnsafeMutableBufferPointer { buf in
        withVaList(args) { vsnprintf(buf.baseAddress, buf.count, fmt, $0) }
    }
    guard needed >= 0 else { return fmt }
    if Int(needed) < small.count { return String(decoding: small.prefix(Int(needed)).map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    var big = [CChar](repeating: 0, count: Int(needed) + 1)
    let written = big.withUnsafeMutableBufferPointer { buf in
        withVaList(args) { vsnprintf(buf.baseAddress, buf.count, fmt, $0) }
    }
    return String(decoding: big.prefix(Int(max(0, written))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
