// swift-tools-version:6.1
import PackageDescription

let optimize: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release))]

let package = Package(
    name: "zkshard",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "zkshard", targets: ["zkshard"]),
        .library(name: "Algebra", targets: ["Algebra"]),
        .library(name: "Groth16", targets: ["Groth16"]),
        .library(name: "Verifier", targets: ["Verifier"]),
        .library(name: "Model", targets: ["Model"]),
        .library(name: "Compiler", targets: ["Compiler"]),
        .library(name: "Receipts", targets: ["Receipts"]),
        .library(name: "Support", targets: ["Support"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // No default traits: BinaryDelimitedStreams imports Foundation (unused here; it would link Foundation and ICU into zkshard).
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0", traits: []),
    ],
    targets: [
        .systemLibrary(name: "CGMP", pkgConfig: "gmp", providers: [.apt(["libgmp-dev"])]),
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "CFieldKernels", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "CGemmKernels", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "Support", swiftSettings: optimize),
        .target(name: "Algebra", dependencies: ["CGMP", "CSodium", "CFieldKernels"], swiftSettings: optimize),
        .target(name: "Verifier", dependencies: ["Algebra", "Support"], swiftSettings: optimize),
        .target(name: "Groth16", dependencies: ["Algebra", "Verifier", "Support", "CSodium", "COpenSSL"], swiftSettings: optimize),
        .target(name: "Model", dependencies: ["COpenSSL", "CGemmKernels", "Support", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
                exclude: ["ONNX/onnx.proto"], swiftSettings: optimize),
        .target(name: "Compiler", dependencies: ["Model", "Groth16", "Algebra", "Support"], swiftSettings: optimize),
        .target(name: "Receipts", dependencies: ["Compiler", "Verifier", "Model", "Algebra", "CSodium", "Support"], swiftSettings: optimize),
        .executableTarget(
            name: "zkshard",
            dependencies: [
                "Algebra",
                "Groth16",
                "Verifier",
                "Model",
                "Compiler",
                "Receipts",
                "Support",
                "CGMP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: optimize),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "AlgebraTests", dependencies: ["Algebra", "CGMP", "TestSupport"]),
        .testTarget(name: "Groth16Tests", dependencies: ["Groth16", "Verifier", "Algebra", "TestSupport"]),
        .testTarget(name: "ModelTests", dependencies: ["Model", "TestSupport"]),
        .testTarget(name: "CompilerTests", dependencies: ["Compiler", "Model", "Groth16", "Algebra", "TestSupport"]),
        .testTarget(name: "ReceiptsTests", dependencies: ["Receipts", "Compiler", "Model", "Algebra", "TestSupport"]),
        .testTarget(name: "SupportTests", dependencies: ["Support"]),
        .testTarget(name: "CLITests", dependencies: ["Algebra", "Groth16", "Verifier"]),
    ],
    swiftLanguageModes: [.v5]
)
