import Dispatch
import ElMomentoHTTP

/// The transport's thread: admits attempts up to the in-flight limit, has host names looked
/// up, starts transfers on checked addresses, drives them, and answers each attempt once.
///
/// `@unchecked Sendable` because it crosses to the transport's thread exactly once, in
/// `CallbackTransport.init`, and nothing else keeps a reference: all its state is that
/// thread's alone.
final class TransferLoop: @unchecked Sendable {
    /// The error of an attempt made or waiting when the transport stopped.
    static let stoppedError = "callback transport stopped"
    /// The longest the thread sleeps with nothing to do; libcurl wakes it sooner for its own
    /// timers and `wakeUp` for new work.
    private static let idleWaitMilliseconds: Int32 = 1000

    /// An attempt admitted: it holds one of the in-flight places until it is answered.
    private struct Admitted {
        let delivery: Delivery
        let startedAtNanoseconds: UInt64
        let deadlineNanoseconds: UInt64
    }

    private let configuration: CallbackTransportConfiguration
    private let queue: DeliveryQueue
    private let multi: MultiHandle
    private let resolvers: ResolverPool

    /// Transfers in progress, by their easy handle.
    private var transfers: [UnsafeMutableRawPointer: (admitted: Admitted, transfer: CallbackTransfer)] = [:]
    /// Attempts whose host name is being looked up, by delivery number.
    private var resolving: [Int: (admitted: Admitted, destination: CallbackDestination)] = [:]
    private var nextDeliveryNumber = 0
    /// How many attempts have been answered, so the loop knows whether places came free.
    private var answeredCount = 0

    init(
        configuration: CallbackTransportConfiguration, queue: DeliveryQueue, multi: MultiHandle, resolvers: ResolverPool
    ) {
        self.configuration = configuration
        self.queue = queue
        self.multi = multi
        self.resolvers = resolvers
    }

    /// Runs until the transport stops, then answers every attempt it still holds.
    func run() {
        while true {
            let answeredBefore = answeredCount
            let work = queue.take(deliveryCountMax: configuration.inFlightMax - transfers.count - resolving.count)
            guard !work.isStopped else { return shutDown(waiting: work.deliveries) }
            for delivery in work.deliveries { admit(delivery) }
            for resolution in work.resolutions { resume(resolution) }
            multi.perform()
            answerFinishedTransfers()
            answerExpiredLookups()
            // Places came free: take waiting attempts before sleeping.
            if answeredCount == answeredBefore { multi.wait(milliseconds: waitMilliseconds()) }
        }
    }

    private func admit(_ delivery: Delivery) {
        let now = Self.nowNanoseconds()
        let admitted = Admitted(
            delivery: delivery, startedAtNanoseconds: now,
            deadlineNanoseconds: now + UInt64(configuration.timeoutSeconds) * 1_000_000_000)
        let destination: CallbackDestination
        do {
            destination = try CallbackDestination(url: delivery.request.url)
        } catch {
            return answer(admitted, .failure(error.reason))
        }
        if let address = destination.literalAddress {
            return start(admitted, destination: destination, addresses: [address], pinsAddresses: false)
        }
        let number = nextDeliveryNumber
        nextDeliveryNumber += 1
        resolving[number] = (admitted, destination)
        let (resolver, host, port) = (configuration.resolver, destination.host, destination.port)
        let (queue, multi) = (queue, multi)
        resolvers.submit {
            let outcome = Result { try resolver.addresses(of: host, port: port) }
                .mapError { HostResolutionError(description: "\($0)") }
            queue.deliver(DeliveryQueue.Resolution(deliveryNumber: number, outcome: outcome))
            multi.wakeUp()
        }
    }

    private func resume(_ resolution: DeliveryQueue.Resolution) {
        guard let (admitted, destination) = resolving.removeValue(forKey: resolution.deliveryNumber) else { return }
        switch resolution.outcome {
        case .failure(let error):
            answer(admitted, .failure("could not resolve \(destination.host): \(error)"))
        case .success(let addresses) where addresses.isEmpty:
            answer(admitted, .failure("\(destination.host) has no address"))
        case .success(let addresses):
            start(admitted, destination: destination, addresses: addresses, pinsAddresses: true)
        }
    }

    /// Starts the transfer on `addresses` once each is allowed; pinned for a host name, so
    /// libcurl connects to exactly the addresses checked here.
    private func start(
        _ admitted: Admitted, destination: CallbackDestination, addresses: [IPAddress], pinsAddresses: Bool
    ) {
        if !configuration.allowsPrivateAddresses, let refused = addresses.first(where: { !$0.isPublic }) {
            return answer(admitted, .failure("address \(refused) is not public"))
        }
        let now = Self.nowNanoseconds()
        guard now < admitted.deadlineNanoseconds else { return answer(admitted, .failure(timeoutError)) }
        do {
            let transfer = try CallbackTransfer(
                request: admitted.delivery.request, destination: destination,
                pinnedAddresses: pinsAddresses ? addresses : [],
                // Rounded up: libcurl reads a timeout of 0 as none at all.
                timeoutMilliseconds: Int((admitted.deadlineNanoseconds - now) / 1_000_000) + 1,
                allowsPrivateAddresses: configuration.allowsPrivateAddresses)
            multi.add(transfer.easy)
            transfers[transfer.easy] = (admitted, transfer)
        } catch {
            answer(admitted, .failure(error.reason))
        }
    }

    private func answerFinishedTransfers() {
        while let (easy, result) = multi.nextFinishedTransfer() {
            guard let (admitted, transfer) = transfers.removeValue(forKey: easy) else {
                preconditionFailure("libcurl finished a transfer the loop does not hold")
            }
            multi.remove(easy)
            answer(admitted, transfer.response(result: result, timeoutError: timeoutError))
        }
    }

    /// Answers the attempts whose lookup has outlived their timeout: a resolver that hangs
    /// holds one of its threads, not the caller. Its answer, when it comes, finds nothing.
    private func answerExpiredLookups() {
        let now = Self.nowNanoseconds()
        for (number, (admitted, _)) in resolving where admitted.deadlineNanoseconds <= now {
            resolving[number] = nil
            answer(admitted, .failure(timeoutError))
        }
    }

    /// How long the thread may sleep: until the earliest lookup deadline, at most
    /// `idleWaitMilliseconds`.
    private func waitMilliseconds() -> Int32 {
        guard let deadline = resolving.values.map(\.admitted.deadlineNanoseconds).min() else {
            return Self.idleWaitMilliseconds
        }
        let now = Self.nowNanoseconds()
        let untilDeadline = deadline > now ? (deadline - now) / 1_000_000 + 1 : 0
        return Int32(min(UInt64(Self.idleWaitMilliseconds), untilDeadline))
    }

    private func shutDown(waiting: [Delivery]) {
        for (easy, (admitted, _)) in transfers {
            multi.remove(easy)
            answer(admitted, .failure(Self.stoppedError))
        }
        transfers.removeAll()
        for (admitted, _) in resolving.values { answer(admitted, .failure(Self.stoppedError)) }
        resolving.removeAll()
        for delivery in waiting { delivery.continuation.resume(returning: .failure(Self.stoppedError)) }
        multi.close()
        resolvers.stop()
    }

    /// Answers the caller, with the latency measured from the attempt's admission.
    private func answer(_ admitted: Admitted, _ response: CallbackResponse) {
        var response = response
        response.latencyMilliseconds = Int64((Self.nowNanoseconds() - admitted.startedAtNanoseconds) / 1_000_000)
        answeredCount += 1
        admitted.delivery.continuation.resume(returning: response)
    }

    private var timeoutError: String { "timed out after \(configuration.timeoutSeconds) s" }

    private static func nowNanoseconds() -> UInt64 {
        DispatchTime.now().uptimeNanoseconds
    }
}
