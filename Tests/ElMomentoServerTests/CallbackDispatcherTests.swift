import ElMomentoCore
import ElMomentoTestSupport
import Foundation
import Synchronization
import Testing

@testable import ElMomentoServer
@testable import ElMomentoStore

/// A clock that moves a millisecond at every reading, so that each claim of the dispatcher
/// stamps the callbacks it takes (`first_attempt_at`) with a time of its own.
final class TickingClock: GatewayClock {
    private let now: Mutex<UInt64>

    init(startingAt milliseconds: UInt64) {
        now = Mutex(milliseconds)
    }

    func millisecondsSince1970() -> UInt64 {
        now.withLock { now in
            defer { now += 1 }
            return now
        }
    }
}

/// The dispatcher's loop over the real store and a transport that answers 200 at once.
@Suite struct CallbackDispatcherTests {
    static let callbackCount = 128
    static let inFlightMax = 16

    /// Measured with `scripts/bench-callbacks`: when each ended attempt freed one place per
    /// claim, every callback after the first `inFlightMax` cost a claim of its own (a commit),
    /// and 10,000 due callbacks went out at 1,300-2,000/s whatever the receiver's speed.
    @Test func placesFreedWhileAClaimCommitsAreRefilledTogether() async throws {
        let gateway = try await TestGateway()
        try await completeDepositsWithCallbacks(Self.callbackCount, in: gateway)
        let transport = ScriptedTransport([])
        var configuration = CallbackDispatcher.Configuration()
        configuration.inFlightMax = Self.inFlightMax
        let dispatcher = CallbackDispatcher(
            store: gateway.store, vault: gateway.vault, transport: transport,
            clock: TickingClock(startingAt: gateway.clock.millisecondsSince1970()), configuration: configuration,
            logger: gateway.log.logger)
        let running = Task { await dispatcher.run() }
        let allSent = try await eventually(within: 60) { transport.sent.count >= Self.callbackCount }
        running.cancel()
        await running.value
        #expect(allSent && transport.sent.count == Self.callbackCount)
        let records = try await gateway.store.callbacks(failedOnly: false, limit: 1000)
        #expect(records.count == Self.callbackCount && records.allSatisfy { $0.state == .delivered })
        let claims = try await gateway.store.readers.read { connection in
            try connection.query("SELECT count(DISTINCT first_attempt_at) FROM callback_deliveries")[0][0].integer
        }
        // A claim per freed place would be 1 + (128 - 16) = 113 claims.
        #expect(try #require(claims) <= Int64(Self.callbackCount / 2), "\(claims ?? 0) claims")
    }

    /// `count` deposits with a callback URL, created and completed concurrently so that their
    /// writes share commits: `count` callbacks due.
    private func completeDepositsWithCallbacks(_ count: Int, in gateway: TestGateway) async throws {
        let now = Int64(gateway.clock.millisecondsSince1970())
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                group.addTask {
                    let body = TestGateway.body(orderID: "d-\(index)", callbackURL: "http://127.0.0.1:9/cb")
                    let response = await gateway.send(gateway.request("POST", "/api/shop/orders/", body: body))
                    let id = try #require(response.json?["id"] as? String, "\(response.text)")
                    _ = try await gateway.store.changeOrder(id: id, atMilliseconds: now) {
                        try $0.applying(.complete, by: .operator, reason: nil, atMilliseconds: now)
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
