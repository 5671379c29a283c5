import Foundation
import Model
import TestSupport
import XCTest

/// The package root, found from this file's path (Tests/ModelTests/ONNXDecodeTests.swift).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

func repoFile(_ path: String) -> URL { packageRoot.appendingPathComponent(path) }

/// Fixtures written by vectors/gen_onnx_fixtures.py.
func fixture(_ name: String) -> URL { repoFile("vectors/models/fixtures/\(name)") }

func assertONNXError(_ kind: ONNXError.Kind, contains fragments: [String] = [], file: StaticString = #filePath,
                     line: UInt = #line, _ body: () throws -> Void) {
    do {
        try body()
        XCTFail("expected an ONNXError (\(kind))", file: file, line: line)
    } catch let e as ONNXError {
        XCTAssertEqual(e.kind, kind, "\(e)", file: file, line: line)
        for f in fragments {
            XCTAssertTrue(e.description.contains(f), "'\(e)' should mention '\(f)'", file: file, line: line)
        }
    } catch {
        XCTFail("expected an ONNXError, got \(error)", file: file, line: line)
    }
}

final class ONNXDecodeTests: XCTestCase {
    func testDigitsMLP() throws {
        let g = try ONNXGraph(contentsOf: repoFile("circuits/digits_mlp/model.onnx"))
        XCTAssertEqual(g.source, "model.onnx")
        XCTAssertEqual(g.opsetVersion, 13)
        XCTAssertEqual(g.irVersion, 7)
        XCTAssertEqual(g.nodes.map(\.opType), ["Gemm", "Relu", "Gemm", "Relu", "Gemm"])
        XCTAssertEqual(g.nodes.map(\.name), ["fc1", "relu1", "fc2", "relu2", "fc3"])
        XCTAssertEqual(g.nodes[0].inputs, ["input", "fc1.weight", "fc1.bias"])
        XCTAssertEqual(g.nodes[0].attributes["transB"], .int(1))
        XCTAssertEqual(g.inputs, [ONNXValueInfo(name: "input", elementType: .float, dims: [.fixed(1), .fixed(64)])])
        XCTAssertEqual(g.outputs.map(\.name), ["logits"])
        XCTAssertEqual(g.outputs[0].fixedShape, [1, 10])
        let sizes = [("fc1.weight", [40, 64]), ("fc1.bias", [40]), ("fc2.weight", [20, 40]), ("fc2.bias", [20]),
                     ("fc3.weight", [10, 20]), ("fc3.bias", [10])]
        XCTAssertEqual(g.initializers.count, sizes.count)
        for (name, dims) in sizes {
            let t = try XCTUnwrap(g.initializers[name], name)
            XCTAssertEqual(t.dims, dims, name)
            XCTAssertEqual(t.dataType, .float)
            XCTAssertEqual(t.floats.count, dims.reduce(1, *))
            XCTAssertTrue(t.floats.allSatisfy(\.isFinite))
        }
    }

    func testDigitsCNN() throws {
        let g = try ONNXGraph(contentsOf: repoFile("circuits/digits_cnn/model.onnx"))
        XCTAssertEqual(g.nodes.map(\.opType),
                       ["Conv", "BatchNormalization", "Relu", "MaxPool", "Conv", "Relu", "AveragePool", "Flatten", "Gemm"])
        XCTAssertEqual(g.inputs.first?.fixedShape, [1, 1, 8, 8])
        XCTAssertEqual(g.nodes[0].attributes["pads"], .ints([1, 1, 1, 1]))
        XCTAssertEqual(g.nodes[0].attributes["kernel_shape"]?.intsValue, [3, 3])
        XCTAssertEqual(g.nodes[1].attributes["epsilon"]?.floatValue, 1e-5)
        XCTAssertEqual(g.initializers["conv1.weight"]?.dims, [4, 1, 3, 3])
        XCTAssertEqual(g.initializers["conv2.weight"]?.dims, [8, 4, 3, 3])
        XCTAssertEqual(g.initializers["fc.weight"]?.dims, [10, 32])
        XCTAssertEqual(g.initializers["bn1.var"]?.floats.count, 4)
        XCTAssertTrue(g.initializers["bn1.var"]!.floats.allSatisfy { $0 > 0 })
    }

    func testQuantizedDigitsModels() throws {
        let qdq = try ONNXGraph(contentsOf: repoFile("vectors/models/digits_mlp_qdq.onnx"))
        XCTAssertEqual(Set(qdq.nodes.map(\.opType)), ["QuantizeLinear", "DequantizeLinear", "Gemm"])
        XCTAssertEqual(qdq.initializers["fc1.weight_quantized"]?.dataType, .int8)
        XCTAssertEqual(qdq.initializers["fc1.weight_quantized"]?.dims, [40, 64])
        XCTAssertEqual(qdq.initializers["fc1.bias_quantized"]?.dataType, .int32)
        XCTAssertEqual(qdq.initializers["input_zero_point"]?.ints, [-128])
        let qop = try ONNXGraph(contentsOf: repoFile("vectors/models/digits_cnn_qoperator.onnx"))
        XCTAssertEqual(qop.nodes.first { $0.opType == "QGemm" }?.domain, "com.microsoft")
        XCTAssertEqual(qop.nodes.first { $0.opType == "QLinearConv" }?.domain, "")
        XCTAssertEqual(qop.opsetImports["com.microsoft"], 1)
    }

    func testTensorTypesTypedAndRaw() throws {
        let g = try ONNXGraph(contentsOf: fixture("tensor_types.onnx"))
        let values: [Int64] = [0, 1, -1, 7, -8, 100, -100, 3]
        for name in ["float", "double"] {
            for form in ["raw", "typed"] {
                let t = try XCTUnwrap(g.initializers["\(name)_\(form)"])
                XCTAssertEqual(t.dims, [2, 4])
                XCTAssertEqual(t.values, .float(values.map { Float($0) }), "\(name)_\(form)")
            }
        }
        for name in ["int8", "int16", "int32", "int64", "uint8", "uint16"] {
            let expected = name.hasPrefix("u") ? values.map { abs($0) } : values
            for form in ["raw", "typed"] {
                let t = try XCTUnwrap(g.initializers["\(name)_\(form)"])
                XCTAssertEqual(t.values, .int(expected), "\(name)_\(form)")
                XCTAssertEqual(t.dataType.description, name.uppercased())
            }
        }
        XCTAssertEqual(g.initializers["scalar_int64"]?.dims, [])
        XCTAssertEqual(g.initializers["scalar_int64"]?.ints, [42])
        XCTAssertEqual(g.initializers["empty_float"]?.count, 0)
        XCTAssertEqual(g.constants["c_float"], ONNXTensor(name: "c_float", dims: [], dataType: .float, values: .float([2.5])))
        XCTAssertEqual(g.constants["c_ints"]?.ints, [1, -1, 64])
        XCTAssertEqual(g.constants["c_tensor"]?.floats, [1, -2])
        XCTAssertEqual(g.constant(named: "c_tensor")?.name, "c_tensor")
        XCTAssertEqual(g.nodes.filter { $0.opType == "Constant" }.count, 3)
    }

    func testSymbolicDimensions() throws {
        let g = try ONNXGraph(contentsOf: fixture("symbolic_batch.onnx"))
        XCTAssertEqual(g.inputs[0].dims, [.symbolic("N"), .fixed(4)])
        XCTAssertNil(g.inputs[0].fixedShape)
        XCTAssertEqual(g.inputs[0].shapeDescription, "[N, 4]")
    }

    func testBadTensorsAreErrors() {
        assertONNXError(.unsupportedDataType, contains: ["bad_string_tensor.onnx", "labels", "STRING"]) {
            _ = try ONNXGraph(contentsOf: fixture("bad_string_tensor.onnx"))
        }
        assertONNXError(.unsupportedDataType, contains: ["half", "FLOAT16"]) {
            _ = try ONNXGraph(contentsOf: fixture("bad_float16.onnx"))
        }
        assertONNXError(.badTensor, contains: ["bad_external.onnx", "weights", "external"]) {
            _ = try ONNXGraph(contentsOf: fixture("bad_external.onnx"))
        }
        assertONNXError(.badTensor, contains: ["'w'", "[2, 3]", "6", "5"]) {
            _ = try ONNXGraph(contentsOf: fixture("bad_count.onnx"))
        }
        assertONNXError(.unreadable, contains: ["missing.onnx"]) {
            _ = try ONNXGraph(contentsOf: fixture("missing.onnx"))
        }
    }

    func testEmptyAndGarbageBytes() {
        assertONNXError(.missingGraph, contains: ["empty"]) { _ = try ONNXGraph(bytes: [], source: "empty") }
        assertONNXError(.malformed, contains: ["junk"]) {
            _ = try ONNXGraph(bytes: Array("this is not a protobuf".utf8), source: "junk")
        }
    }

    /// Every proper prefix of a model is an error, never a crash or a silently shorter model.
    func testEveryTruncationIsAnError() throws {
        let bytes = [UInt8](try Data(contentsOf: fixture("tiny_gemm.onnx")))
        XCTAssertNoThrow(try ONNXGraph(bytes: bytes, source: "tiny_gemm.onnx"))
        for length in 0..<bytes.count {
            do {
                _ = try ONNXGraph(bytes: Array(bytes[..<length]), source: "cut")
                XCTFail("prefix of \(length) of \(bytes.count) bytes decoded")
            } catch let e as ONNXError {
                XCTAssertEqual(e.file, "cut")
            }
        }
    }

    /// Random byte flips either decode to some valid graph or throw an ONNXError; they never crash or hang.
    func testRandomByteFlipsNeverCrash() throws {
        var rng = SeededRNG(seed: 0x0_1ae)
        var errors = 0, decoded = 0
        for name in ["tiny_gemm.onnx", "tensor_types.onnx", "zoo_qoperator.onnx"] {
            let original = [UInt8](try Data(contentsOf: fixture(name)))
            for _ in 0..<400 {
                var bytes = original
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    let i = Int.random(in: 0..<bytes.count, using: &rng)
                    bytes[i] ^= UInt8.random(in: 1...255, using: &rng)
                }
                do {
                    _ = try ONNXGraph(bytes: bytes, source: name)
                    decoded += 1
                } catch is ONNXError {
                    errors += 1
                }
            }
        }
        XCTAssertGreaterThan(errors, 0)
        XCTAssertEqual(errors + decoded, 1200)
    }

    func testRandomBytesNeverCrash() {
        var rng = SeededRNG(seed: 7)
        for length in [1, 2, 5, 17, 100, 1000] {
            for _ in 0..<50 {
                let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
                XCTAssertThrowsError(try ONNXGraph(bytes: bytes, source: "random"))
            }
        }
    }
}
