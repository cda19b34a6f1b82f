import ElMomentoTestSupport
import Foundation
import Synchronization
import Testing

/// What an operator does beside a running server, and what a crash must not lose.
@Suite struct OperatorAndCrashTests {
    let database = GatewayProcess.temporaryDatabasePath()

    private func admin(_ arguments: [String]) async throws -> [String: Any] {
        let result = try await runElmomento(["admin", "merchant"] + arguments + ["--json", "--database", database])
        #expect(result.status == 0, "\(arguments.first ?? ""): \(result.standardError.redactingSecrets)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
    }

    /// Polls `condition` until it holds, for at most `seconds`; whether it did.
    @Test func merchantChangesMadeWhileTheServerRunsTakeEffectWithinASecond() async throws {
        try await withGateway(databasePath: database) { gateway in try await changeMerchantsBeside(gateway) }
    }

    private func changeMerchantsBeside(_ gateway: GatewayProcess) async throws {
        let secret = try #require(try await admin(["create", "shop-1"])["secret"] as? String)
        let client = MerchantClient(port: gateway.port, merchant: "shop-1", secret: secret)
        let path = client.ordersPath()
        #expect(try await eventually(within: 1) { try await client.send("GET", path).status == 200 })

        _ = try await admin(["disable", "shop-1"])
        #expect(
            try await eventually(within: 1.2) {
                try await client.send("GET", path).error?["code"] as? String == "merchant_disabled"
            })
        _ = try await admin(["enable", "shop-1"])
        #expect(try await eventually(within: 1.2) { try await client.send("GET", path).status == 200 })

        let rotated = try #require(try await admin(["rotate-secret", "shop-1"])["secret"] as? String)
        let rotatedClient = MerchantClient(port: gateway.port, merchant: "shop-1", secret: rotated)
        #expect(try await eventually(within: 1.2) { try await rotatedClient.send("GET", path).status == 200 })
        #expect(try await client.send("GET", path).status == 200, "the old secret works during the grace period")

        _ = try await admin(["rotate-secret", "shop-1", "--grace-hours", "0"])
        #expect(try await eventually(within: 1.2) { try await client.send("GET", path).status == 401 })
        #expect(try await rotatedClient.send("GET", path).status == 401, "no grace was given")
    }

    @Test func killNineDuringAStreamOfCreatesLosesNoAcknowledgedOrder() async throws {
        let first = try await onOwnThread { [database] in
            try GatewayProcess(arguments: ["--demo"], databasePath: database)
        }
        let client = try first.demoClient()
        let acknowledged = Acknowledged()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for stream in 0..<4 {
                group.addTask {
                    // Each stream stops at the first failure: the server has been killed.
                    for index in 0..<2_000 {
                        let orderID = "crash-\(stream)-\(index)"
                        guard let response = try? await client.createDeposit(orderID: orderID),
                            response.status == 201
                        else { return }
                        acknowledged.add(orderID)
                    }
                }
            }
            group.addTask {
                while acknowledged.all.count < 200 { try await Task.sleep(for: .milliseconds(5)) }
                kill(first.processIdentifier, SIGKILL)
            }
            try await group.waitForAll()
        }
        _ = try? await first.waitForExit(timeoutSeconds: 5)

        let second = try await onOwnThread { [database] in
            try GatewayProcess(arguments: ["--demo"], databasePath: database)
        }
        let restarted = try second.demoClient()
        let orderIDs = acknowledged.all
        #expect(orderIDs.count >= 200)
        var missing: [String] = []
        for orderID in orderIDs where try await restarted.send("GET", restarted.ordersPath(orderID + "/")).status != 200
        {
            missing.append(orderID)
        }
        #expect(missing.isEmpty, "acknowledged and lost: \(missing)")
        try await second.stop()
    }
}

/// The orderIDs the gateway answered `201` for, from several tasks.
private final class Acknowledged: Sendable {
    private let orderIDs = Mutex<[String]>([])

    var all: [String] { orderIDs.withLock { $0 } }

    func add(_ orderID: String) {
        orderIDs.withLock { $0.append(orderID) }
    }
}
