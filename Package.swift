// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "ElMomento",
    products: [
        .executable(name: "elmomento", targets: ["elmomento"]),
        .library(name: "ElMomentoClient", targets: ["ElMomentoClient"]),
    ],
    targets: [
        .systemLibrary(name: "COpenSSL"),
        .systemLibrary(name: "CSQLite"),
        .systemLibrary(name: "CMicroHTTPD"),
        .systemLibrary(name: "CCurl"),
        .target(name: "ElMomentoSigning", dependencies: ["COpenSSL"]),
        .target(name: "ElMomentoCore"),
        .target(name: "ElMomentoStore", dependencies: ["ElMomentoCore", "CSQLite"]),
        .target(name: "ElMomentoHTTP", dependencies: ["CMicroHTTPD"]),
        .target(
            name: "ElMomentoServer",
            dependencies: [
                "CCurl", "COpenSSL", "ElMomentoCore", "ElMomentoHTTP", "ElMomentoSigning", "ElMomentoStore",
            ],
            // Compiled into the binary, so the one executable serves its own description.
            resources: [.embedInCode("openapi.json")]
        ),
        // The merchant SDK: the signature and the toolchain only, none of the server's domain or storage.
        .target(name: "ElMomentoClient", dependencies: ["ElMomentoSigning"]),
        .executableTarget(name: "elmomento", dependencies: ["ElMomentoServer", "ElMomentoClient", "ElMomentoSigning"]),
        .target(name: "ElMomentoTestSupport", dependencies: ["ElMomentoSigning"], path: "Tests/ElMomentoTestSupport"),
        .testTarget(name: "ElMomentoSigningTests", dependencies: ["ElMomentoSigning", "ElMomentoTestSupport"]),
        .testTarget(name: "ElMomentoCoreTests", dependencies: ["ElMomentoCore", "ElMomentoTestSupport"]),
        .testTarget(name: "ElMomentoStoreTests", dependencies: ["ElMomentoStore", "ElMomentoTestSupport"]),
        .testTarget(name: "ElMomentoHTTPTests", dependencies: ["ElMomentoHTTP", "ElMomentoTestSupport"]),
        .testTarget(name: "ElMomentoServerTests", dependencies: ["ElMomentoServer", "ElMomentoTestSupport"]),
        .testTarget(name: "elmomentoTests", dependencies: ["elmomento"]),
        .testTarget(
            name: "ElMomentoClientTests",
            // The signature checks what the SDK sent; the test support starts the real gateway.
            dependencies: ["ElMomentoClient", "ElMomentoSigning", "ElMomentoTestSupport"]
        ),
        .testTarget(
            name: "ElMomentoEndToEndTests",
            // The store's SQLite connection lets a test change the database behind the gateway's back.
            dependencies: ["elmomento", "ElMomentoStore", "ElMomentoTestSupport"]
        ),
    ]
)
