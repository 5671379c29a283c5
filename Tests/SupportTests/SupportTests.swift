import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Support
import XCTest

final class FormatTests: XCTestCase {
    func testFloatsAndIntegers() {
        XCTAssertEqual(format("%.3f", 1.23456), "1.235")
        XCTAssertEqual(format("%7.2fs", 3.14159), "   3.14s")
        XCTAssertEqual(format("%.4g", 0.000123456), "0.0001235")
        XCTAssertEqual(format("%.6g", 1234567.0), "1.23457e+06")
        XCTAssertEqual(format("%12.4f|%-4ld|", 2.5, 42), "      2.5000|42  |")
        XCTAssertEqual(format("shard %ld proved in %.3f s", 3, 0.5), "shard 3 proved in 0.500 s")
        XCTAssertEqual(format("%.2f %%", 99.5), "99.50 %")
        XCTAssertEqual(format("no conversions"), "no conversions")
    }

    func testLongOutputAndUnicode() {
        let long = String(repeating: "x", count: 1000)
        XCTAssertEqual(format(long + "%ld", 7), long + "7")
        XCTAssertEqual(format("→ %.1f é", 1.0), "→ 1.0 é")
    }
}

final class PathStringTests: XCTestCase {
    func testJoin() {
        XCTAssertEqual(PathString.join("a", "b"), "a/b")
        XCTAssertEqual(PathString.join("a/", "b"), "a/b")
        XCTAssertEqual(PathString.join("a//", "/b"), "a/b")
        XCTAssertEqual(PathString.join("/", "b"), "/b")
        XCTAssertEqual(PathString.join("", "b"), "b")
        XCTAssertEqual(PathString.join("a", ""), "a")
        XCTAssertEqual(PathString.join("/tmp/build", "shard-0/proof.json"), "/tmp/build/shard-0/proof.json")
    }

    func testLastAndParent() {
        XCTAssertEqual(PathString.lastComponent("a/b/c.json"), "c.json")
        XCTAssertEqual(PathString.lastComponent("c.json"), "c.json")
        XCTAssertEqual(PathString.lastComponent("a/b/"), "b")
        XCTAssertEqual(PathString.lastComponent("/"), "/")
        XCTAssertEqual(PathString.lastComponent(""), "")
        XCTAssertEqual(PathString.deletingLastComponent("a/b/c.json"), "a/b")
        XCTAssertEqual(PathString.deletingLastComponent("c.json"), "")
        XCTAssertEqual(PathString.deletingLastComponent("/c.json"), "/")
        XCTAssertEqual(PathString.deletingLastComponent("a/b/"), "a")
        XCTAssertEqual(PathString.deletingLastComponent("/"), "/")
        XCTAssertEqual(PathString.join(PathString.deletingLastComponent("model.onnx"), "calibration.json"), "calibration.json")
        XCTAssertEqual(PathString.join(PathString.deletingLastComponent("m/model.onnx"), "calibration.json"), "m/calibration.json")
    }
}

final class TextTests: XCTestCase {
    func testTrimmed() {
        XCTAssertEqual("  ab c \t".trimmed(), "ab c")
        XCTAssertEqual("   ".trimmed(), "")
        XCTAssertEqual("".trimmed(), "")
        XCTAssertEqual(" 1.5".split(separator: ",")[0].trimmed(), "1.5")
        // Line breaks are not blanks (as with CharacterSet.whitespaces).
        XCTAssertEqual(" x\n".trimmed(), "x\n")
    }

    func testPadded() {
        XCTAssertEqual("ab".padded(to: 5), "ab   ")
        XCTAssertEqual("abcdef".padded(to: 3), "abc")
        XCTAssertEqual("abc".padded(to: 3), "abc")
        XCTAssertEqual("".padded(to: 2), "  ")
    }
}

final class JSONValueTests: XCTestCase {
    func text(_ v: JSONValue) -> String { String(decoding: v.prettyPrinted(), as: UTF8.self) }

    func testPrettyLayout() {
        let v = JSONValue(["b": 1, "a": [true, JSONValue.null, 2.5, "x"] as [Any], "e": [Any](), "o": [String: Any]()] as [String: Any])
        XCTAssertEqual(text(v), """
        {
          "a" : [
            true,
            null,
            2.5,
            "x"
          ],
          "b" : 1,
          "e" : [

          ],
          "o" : {

          }
        }
        """)
        XCTAssertEqual(text(JSONValue(["1", "2"])), "[\n  \"1\",\n  \"2\"\n]")
        XCTAssertEqual(text(.integer(-3)), "-3")
    }

    func testNumbers() {
        XCTAssertEqual(text(JSONValue(3.0)), "3")
        XCTAssertEqual(text(JSONValue(0.1 + 0.2)), "0.30000000000000004")
        XCTAssertEqual(text(JSONValue(1e-7)), "1e-07")
        XCTAssertEqual(text(JSONValue(1e20)), "1e+20")
        XCTAssertEqual(text(JSONValue(Int.max)), "9223372036854775807")
        XCTAssertEqual(JSONValue(UInt32(7)), .integer(7))
        XCTAssertEqual(JSONValue(Float(0.5)), .number(0.5))
        XCTAssertEqual(JSONValue(true), .bool(true))
    }

    func testKeyOrderMatchesJSONSerialization() {
        let keys = ["vk_alphabeta_12", "nPublic", "IC", "vk_alpha_1", "a10", "a2", "B", "_x", "curve", "protocol"]
        XCTAssertEqual(keys.sorted(by: JSONValue.keyOrder),
                       ["_x", "a2", "a10", "B", "curve", "IC", "nPublic", "protocol", "vk_alpha_1", "vk_alphabeta_12"])
    }

    func testEscaping() {
        XCTAssertEqual(text(.string("a/b\"c\\d\n\t\u{1}é→😀")), "\"a\\/b\\\"c\\\\d\\n\\t\\u0001é→😀\"")
        XCTAssertEqual(JSONValue.array([.string("x"), .object(["k": .null])]).description, "[\"x\",{\"k\":null}]")
    }

    func testOptionalsAndNesting() {
        let none: Int? = nil
        let some: Int? = 4
        XCTAssertEqual(JSONValue(["n": none as Any, "s": some as Any]), .object(["n": .null, "s": .integer(4)]))
        XCTAssertEqual(JSONValue([["a": [[1, 2], [3]]]]), .array([.object(["a": .array([.array([.integer(1), .integer(2)]), .array([.integer(3)])])])]))
    }

    func testRoundTrip() throws {
        let v: JSONValue = .object([
            "name": .string("ünïcødé \"quoted\" / slash \\ back\n"),
            "ints": .array([.integer(0), .integer(-1), .integer(1 << 40)]),
            "doubles": .array([.number(0.25), .number(-1.5e-9), .number(123.456)]),
            "flags": .array([.bool(true), .bool(false), .null]),
            "nested": .object(["deeper": .object(["list": .array([.object([:]), .array([])])])]),
            "emoji": .string("😀 → ok"),
        ])
        XCTAssertEqual(try JSONValue(parsing: v.prettyPrinted()), v)
        XCTAssertEqual(try JSONValue(parsing: Data(v.description.utf8)), v)
        // Through Codable as well.
        XCTAssertEqual(try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(v)), v)
    }

    func testParsing() throws {
        let v = try JSONValue(parsing: Data(#"{"a": 1, "b": 1.5, "c": "x", "d": [true, null], "e": {"f": "\u00e9"}}"#.utf8))
        XCTAssertEqual(v["a"], .integer(1))
        XCTAssertEqual(v["b"], .number(1.5))
        XCTAssertEqual(v["c"]?.stringValue, "x")
        XCTAssertEqual(v["d"], .array([.bool(true), .null]))
        XCTAssertEqual(v["e"]?["f"], .string("é"))
        XCTAssertEqual(try JSONValue(parsing: Data("\"top\"".utf8)), .string("top"))
        for bad in ["", "{", "[1,", "not json", "{\"a\" 1}"] {
            XCTAssertThrowsError(try JSONValue(parsing: Data(bad.utf8)), bad)
        }
    }
}

final class ErrorTextTests: XCTestCase {
    func testFileErrors() {
        XCTAssertThrowsError(try Data(contentsOf: URL(fileURLWithPath: "/nonexistent-dir/x.json"))) { e in
            XCTAssertEqual(errorText(e), "No such file or directory")
        }
        XCTAssertEqual(errorText(CocoaError(.fileReadNoPermission)), "Permission denied")
        struct Custom: Error, CustomStringConvertible { var description: String { "custom failure" } }
        XCTAssertEqual(errorText(Custom()), "custom failure")
    }

    func testLock() {
        let lock = Lock()
        var n = 0
        DispatchQueue.concurrentPerform(iterations: 100) { _ in lock.withLock { n += 1 } }
        XCTAssertEqual(n, 100)
    }
}
