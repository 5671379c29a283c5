/// Path-string helpers with the behaviour of NSString's path methods that the package used
/// (`appendingPathComponent`, `lastPathComponent`, `deletingLastPathComponent`) on
/// POSIX paths, without needing Foundation.
public enum PathString {
    /// `base/component`: one slash between them; an empty side yields the other.
    public static func join(_ base: String, _ component: String) -> String {
        let b = trimmingTrailingSlashes(base)
        let c = String(component.drop { $0 == "/" })
        if base.isEmpty { return component }
        if c.isEmpty { return b }
        return b == "/" ? "/" + c : b + "/" + c
    }

    /// The part after the last slash, ignoring trailing slashes ("a/b/" → "b", "/" → "/").
    public static func lastComponent(_ path: String) -> String {
        let p = trimmingTrailingSlashes(path)
        if p == "/" || p.isEmpty { return p }
        if let i = p.lastIndex(of: "/") { return String(p[p.index(after: i)...]) }
        return p
    }

    /// The path without its last component ("a/b" → "a", "b" → "", "/b" → "/", "/" → "/").
    public static func deletingLastComponent(_ path: String) -> String {
        let p = trimmingTrailingSlashes(path)
        if p == "/" || p.isEmpty { return p }
        guard let i = p.lastIndex(of: "/") else { return "" }
        let head = trimmingTrailingSlashes(String(p[..<i]))
        return head.isEmpty ? "/" : head
    }

    /// Drops trailing slashes but keeps a lone root "/".
    static func trimmingTrailingSlashes(_ s: String) -> String {
        var t = Substring(s)
        while t.count > 1, t.last == "/" { t = t.dropLast() }
        return String(t)
    }
}
