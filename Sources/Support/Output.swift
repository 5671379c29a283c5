#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to the C library's `stdout`, the stream Swift's `print` uses, so the two keep
/// their order (FileHandle.standardOutput bypassed that buffer).
public func writeStdout(_ bytes: some Sequence<UInt8>) {
    let a = Array(bytes)
    a.withUnsafeBytes { b in _ = fwrite(b.baseAddress, 1, b.count, stdout) }
}

public func writeStdout(_ text: String) {
    writeStdout(text.utf8)
}

/// Writes `text` to stderr and flushes it, so progress lines appear at once.
public func writeStderr(_ text: String) {
    var t = text
    t.withUTF8 { b in _ = fwrite(b.baseAddress, 1, b.count, stderr) }
    fflush(stderr)
}

/// Ends the process with `code` after flushing the C streams (stdout included).
public func exitProcess(_ code: Int32) -> Never {
    exit(code)
}
