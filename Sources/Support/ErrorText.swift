#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A short reason for a file-system error, for messages that already name the file
/// ("x.json: cannot read: No such file or directory"). Stands in for
/// `Error.localizedDescription`, which FoundationEssentials does not have.
public func errorText(_ error: Error) -> String {
    if let p = error as? POSIXError { return posixText(p.code.rawValue) }
    if let c = error as? CocoaError {
        if let p = c.underlying as? POSIXError { return posixText(p.code.rawValue) }
        switch c.code {
        case .fileNoSuchFile, .fileReadNoSuchFile: return "No such file or directory"
        case .fileReadNoPermission, .fileWriteNoPermission: return "Permission denied"
        case .fileWriteOutOfSpace: return "No space left on device"
        case .fileWriteVolumeReadOnly: return "Read-only file system"
        case .fileReadCorruptFile: return "the file is corrupt"
        case .fileReadInapplicableStringEncoding: return "the file is not valid text in the expected encoding"
        default: return "file error \(c.code.rawValue)"
        }
    }
    return "\(error)"
}

private func posixText(_ code: Int32) -> String {
    guard let s = strerror(code) else { return "error \(code)" }
    return String(cString: s)
}
