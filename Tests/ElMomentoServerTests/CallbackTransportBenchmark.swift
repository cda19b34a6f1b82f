import ElMomentoTestSupport
import Foundation
import Testing

@testable import ElMomentoServer

/// Deliveries per second to a loopback receiver that answers 200 at once: a measurement, not
/// a check of speed. Run it with `ELMOMENTO_BENCHMARK=1 swift test --filter CallbackTransportBenchmark`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["ELMOMENTO_BENCHMARK"] != nil))
struct CallbackTransportBenchmark {
    static let deliveryCount = 5_000
    static let inFlightMax = 64

    @Test func deliveriesPerSecondToALoopbackReceiver() async throws {
        let receiver = try CallbackReceiver()
        defer { receiver.stop() }
        let transport = CallbackTransport(
            configuration: CallbackTransportConfiguration(
                inFlightMax: Self.inFlightMax, allowsPrivateAddresses: true))
        defer { transport.stop() }
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: 600)
        let headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json"), ("X-Timestamp", "1766825847"),
            ("Signature", String(repeating: "a", count: 128)), ("Webhook-Id", "evt_1"),
        ]
        let started = ContinuousClock.now
        let acknowledged = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<Self.deliveryCount {
                group.addTask {
                    await transport.send(CallbackRequest(url: receiver.url, headers: headers, body: body))
                        .isAcknowledged
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(
            "callback transport: \(acknowledged) of \(Self.deliveryCount) acknowledged in "
                + String(format: "%.2f s, %.0f deliveries/s", seconds, Double(acknowledged) / seconds)
                + " (inFlightMax \(Self.inFlightMax), \(receiver.connectionCount) connections)")
        #expect(acknowledged == Self.deliveryCount)
    }
}
