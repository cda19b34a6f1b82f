import ElMomentoCore
import ElMomentoHTTP
import ElMomentoStore

/// The hosted payment page a deposit's `payment_url` opens (SPEC 7): server-rendered HTML
/// with no external assets. In sandbox it settles the deposit with its two buttons; in
/// production it shows the payer what to pay and the reference the operator confirms.
///
/// The page is found by an unguessable token, never by the order id, so one payer's link
/// reveals nobody else's order.
struct PaymentPageRoutes: Sendable {
    /// Random bytes in a token: 192 bits, beyond guessing.
    static let tokenByteCount = 24

    let store: any GatewayStore
    let clock: any GatewayClock
    /// Where production payers send the money, shown on every production page.
    let instructions: String?

    func register(in router: inout Router<RouteHandler>) {
        router.add("GET", "/pay/{token}") { context in try await show(context) }
        router.add("POST", "/pay/{token}/simulate-payment") { context in
            try await simulate(.complete, context)
        }
        router.add("POST", "/pay/{token}/simulate-failure") { context in
            try await simulate(.fail, context)
        }
    }

    private func show(_ context: RequestContext) async throws -> HTTPResponse {
        guard let found = try await deposit(context) else { return Self.page(PaymentPage.notFound, status: 404) }
        return Self.page(
            PaymentPage(
                deposit: found.order, merchantSlug: found.merchantSlug, isPastItsTime: isPastItsTime(found.order),
                instructions: instructions
            ).html)
    }

    /// A sandbox button: settles the deposit as its payer, then shows the page again
    /// (303, so that reloading the page does not post twice).
    private func simulate(_ action: OrderAction, _ context: RequestContext) async throws -> HTTPResponse {
        guard store.environment == .sandbox, let found = try await deposit(context) else {
            return Self.page(PaymentPage.notFound, status: 404)
        }
        var response = HTTPResponse(status: 303)
        response.headers.add("Location", "/pay/\(context.parameters["token"] ?? "")")
        // Past its time to live the link is dead, whether or not the sweeper got to it yet.
        guard !isPastItsTime(found.order) else { return response }
        let reason = action == .fail ? "The payer's payment failed (sandbox simulation)." : nil
        let now = Int64(clock.millisecondsSince1970())
        do {
            _ = try await store.changeOrder(id: found.order.id, atMilliseconds: now) {
                try $0.applying(action, by: .payerPage, reason: reason, atMilliseconds: now)
            }
        } catch is OrderTransitionRefused {
            // Settled meanwhile (a second click, the sweeper): the page shows how it ended.
        }
        return response
    }

    private func isPastItsTime(_ deposit: Order) -> Bool {
        deposit.status == .pending
            && deposit.expiresAtMilliseconds.map { Int64(clock.millisecondsSince1970()) >= $0 } == true
    }

    private func deposit(_ context: RequestContext) async throws -> MerchantOrder? {
        let token = context.parameters["token"] ?? ""
        guard token.utf8.count == Self.tokenByteCount * 2, token.utf8.allSatisfy(\.isLowercaseHexDigit) else {
            return nil
        }
        return try await store.orderForPayment(token: token)
    }

    /// An HTML answer that loads nothing from elsewhere, is never framed or cached, and
    /// never sends its address (which holds the token) on as a referrer.
    private static func page(_ html: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(
            status: status,
            headers: HTTPHeaders([
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"),
                ("X-Frame-Options", "DENY"), ("Referrer-Policy", "no-referrer"), ("Cache-Control", "no-store"),
            ]),
            body: Array(html.utf8))
    }
}

extension UInt8 {
    fileprivate var isLowercaseHexDigit: Bool { isASCIIDigit || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self) }
}
