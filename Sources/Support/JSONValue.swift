#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Any JSON document, for the places that used JSONSerialization's `Any` trees: decode any
/// JSON with JSONDecoder, build results from Swift values, write them pretty-printed with
/// sorted keys in JSONSerialization's layout.
public enum JSONValue: Equatable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    /// Integers JSON holds exactly (JSONSerialization kept them apart from doubles too).
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses a JSON document (top-level scalars included).
    public init(parsing data: Data) throws {
        self = try JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// Converts a tree of Swift values: String, Bool, the integer types, Double, Float,
    /// arrays, `[String: _]` dictionaries, Optional (nil → null) and JSONValue itself.
    /// Anything else is a programming error, as it was for JSONSerialization.
    public init(_ any: Any) {
        switch any {
        case let v as JSONValue: self = v
        case let v as String: self = .string(v)
        case let v as Substring: self = .string(String(v))
        case let v as Bool: self = .bool(v)
        case let v as Int: self = .integer(v)
        case let v as Int32: self = .integer(Int(v))
        case let v as Int64: self = .integer(Int(v))
        case let v as UInt32: self = .integer(Int(v))
        case let v as UInt8: self = .integer(Int(v))
        case let v as UInt64: self = v <= UInt64(Int.max) ? .integer(Int(v)) : .number(Double(v))
        case let v as UInt: self = v <= UInt(Int.max) ? .integer(Int(v)) : .number(Double(v))
        case let v as Double: self = .number(v)
        case let v as Float: self = .number(Double(v))
        case let v as [String: Any]: self = .object(v.mapValues { JSONValue($0) })
        case let v as [Any]: self = .array(v.map { JSONValue($0) })
        default:
            // Optional wrapped in Any: nil is null, otherwise convert what it holds.
            let m = Mirror(reflecting: any)
            if m.displayStyle == .optional {
                self = m.children.first.map { JSONValue($0.value) } ?? .null
            } else {
                fatalError("JSONValue: unsupported value of type \(type(of: any))")
            }
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var intValue: Int? { if case .integer(let i) = self { return i }; return nil }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var objectValue: [String: JSONValue]? { if case .object(let o) = self { return o }; return nil }

    /// Pretty-printed in JSONSerialization's `[.prettyPrinted, .sortedKeys]` layout: two-space
    /// indent, `"key" : value`, keys in `keyOrder`, "/" escaped as "\\/", integral doubles
    /// without ".0". Top-level scalars are allowed. No trailing newline.
    public func prettyPrinted() -> Data {
        var out = ""
        write(into: &out, indent: 0)
        return Data(out.utf8)
    }

    /// On one line with no spaces (for messages), e.g. `{"a":[1,"x"]}`.
    public var description: String {
        var out = ""
        write(into: &out, indent: nil)
        return out
    }

    /// `indent` nil: compact.
    private func write(into out: inout String, indent: Int?) {
        let pretty = indent != nil
        let pad = String(repeating: " ", count: indent ?? 0)
        let inner = String(repeating: " ", count: (indent ?? 0) + 2)
        let next = indent.map { $0 + 2 }
        let nl = pretty ? "\n" : ""
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .integer(let i): out += String(i)
        case .number(let d): out += JSONValue.numberText(d)
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let a):
            guard pretty else {
                out += "["
                for (k, v) in a.enumerated() { if k > 0 { out += "," }; v.write(into: &out, indent: nil) }
                out += "]"
                return
            }
            out += "[\n"
            for (k, v) in a.enumerated() {
                out += inner
                v.write(into: &out, indent: next)
                if k + 1 < a.count { out += "," }
                out += nl
            }
            if a.isEmpty { out += nl }
            out += pad + "]"
        case .object(let o):
            let keys = o.keys.sorted(by: JSONValue.keyOrder)
            guard pretty else {
                out += "{"
                for (k, key) in keys.enumerated() {
                    if k > 0 { out += "," }
                    JSONValue.writeString(key, into: &out)
                    out += ":"
                    o[key]!.write(into: &out, indent: nil)
                }
                out += "}"
                return
            }
            out += "{\n"
            for (k, key) in keys.enumerated() {
                out += inner
                JSONValue.writeString(key, into: &out)
                out += " : "
                o[key]!.write(into: &out, indent: next)
                if k + 1 < keys.count { out += "," }
                out += nl
            }
            if o.isEmpty { out += nl }
            out += pad + "}"
        }
    }

    /// Shortest round-tripping decimal, "3" for 3.0; JSON has no NaN or infinity.
    static func numberText(_ d: Double) -> String {
        precondition(d.isFinite, "JSONValue: \(d) cannot be written as JSON")
        var s = d.description
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }

    static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "/": out += "\\/"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{8}": out += "\\b"
            case "\u{C}": out += "\\f"
            case _ where u.value < 0x20:
                let h = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }
}

extension JSONValue: Codable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let i = try? c.decode(Int.self) { self = .integer(i); return }
        if let d = try? c.decode(Double.self) { self = .number(d); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if let a = try? c.decode([JSONValue].self) { self = .array(a); return }
        self = .object(try c.decode([String: JSONValue].self))
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case .object(let o):
            var c = encoder.container(keyedBy: Key.self)
            for k in o.keys.sorted(by: JSONValue.keyOrder) { try c.encode(o[k]!, forKey: Key(stringValue: k)) }
        default:
            var c = encoder.singleValueContainer()
            switch self {
            case .null: try c.encodeNil()
            case .bool(let b): try c.encode(b)
            case .integer(let i): try c.encode(i)
            case .number(let d): try c.encode(d)
            case .string(let s): try c.encode(s)
            case .array(let a): try c.encode(a)
            case .object: break
            }
        }
    }

    /// The key order of JSONSerialization's `.sortedKeys` (NSString compare with
    /// .numeric and .caseInsensitive): letters compared lower-cased, runs of ASCII digits by
    /// value; keys equal that way fall back to plain order.
    public static func keyOrder(_ a: String, _ b: String) -> Bool {
        var i = Array(a.unicodeScalars)[...], j = Array(b.unicodeScalars)[...]
        func isDigit(_ u: Unicode.Scalar) -> Bool { u >= "0" && u <= "9" }
        while let x = i.first, let y = j.first {
            if isDigit(x) && isDigit(y) {
                let dx = i.prefix(while: isDigit), dy = j.prefix(while: isDigit)
                let nx = dx.drop { $0 == "0" }, ny = dy.drop { $0 == "0" }
                if nx.count != ny.count { return nx.count < ny.count }
                for (p, q) in zip(nx, ny) where p != q { return p < q }
                i = i.dropFirst(dx.count); j = j.dropFirst(dy.count)
                continue
            }
            let lx = x.properties.lowercaseMapping, ly = y.properties.lowercaseMapping
            if lx != ly { return lx.unicodeScalars.lexicographicallyPrecedes(ly.unicodeScalars) }
            i = i.dropFirst(); j = j.dropFirst()
        }
        if i.isEmpty != j.isEmpty { return i.isEmpty }
        return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
    }
}
