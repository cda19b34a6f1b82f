import ElMomentoCore
import ElMomentoHTTP
import ElMomentoSigning
import ElMomentoStore
import Foundation

/// The merchant API's order routes (SPEC 3.2–3.4): create, list and fetch one, for one
/// order kind.
struct OrderRoutes: Sendable {
    let kind: OrderKind
    let store: any GatewayStore
    let gate: MerchantGate
    let clock: any GatewayClock
    let publicURL: PublicURL

    /// Adds the routes under `collection` (`orders`, `withdrawalorders`).
    func register(in router: inout Router<RouteHandler>, collection: String) {
        router.add("POST", "/api/{merchant}/\(collection)") { context in
            try await gate.serve(context) { try await create(context, merchant: $0) }
        }
        router.add("GET", "/api/{merchant}/\(collection)") { context in
            try await gate.serve(context) { try await list(context, merchant: $0) }
        }
        router.add("GET", "/api/{merchant}/\(collection)/{orderID}") { context in
            try await gate.serve(context) { try await show(context, merchant: $0) }
        }
    }

    private func create(_ context: RequestContext, merchant: Merchant) async throws -> HTTPResponse {
        try Self.requireJSON(context.request.headers)
        let rules = merchant.settings.orderRules(environment: store.environment)
        let creation: OrderCreation
        do {
            let request = try OrderRequest.parse(body: context.request.body, kind: kind, rules: rules)
            creation = try await store.createOrder(
                newOrder(request, merchant: merchant), merchantID: merchant.id,
                fingerprint: SHA256.hexDigest(of: request.fingerprint)
            ) { try request.checkMerchantLimits(rules) }
        } catch let fault as OrderRequestFault {
            throw APIError(fault)
        } catch let shortfall as InsufficientFunds {
            throw APIError(shortfall)
        }
        switch creation {
        case .created(let order):
            return .json(presented(order).jsonObject(), status: 201)
        case .replayed(let order):
            var response = HTTPResponse.json(presented(order).jsonObject())
            response.headers.add("Idempotent-Replayed", "true")
            return response
        case .conflict:
            throw APIError(
                status: 409, code: "order_id_conflict",
                message: "This orderID is already used by a different order; use a new orderID.", field: "orderID")
        }
    }

    /// The order `request` makes, pending, as of now. A deposit gets its payment page's
    /// unguessable address and its expiry, and a fee of at most its amount, since a fee is
    /// taken out of what the deposit brings.
    private func newOrder(_ request: OrderRequest, merchant: Merchant) -> Order {
        let now = Int64(clock.millisecondsSince1970())
        var fee = merchant.settings.fee(
            for: kind, amountMinorUnits: request.amountMinorUnits, currency: request.currency)
        if kind == .deposit { fee = min(fee, request.amountMinorUnits) }
        var order = Order(
            id: TimeOrderedID.make(prefix: kind.idPrefix, clock: clock), orderID: request.orderID, kind: kind,
            status: .pending, amountMinorUnits: request.amountMinorUnits, currency: request.currency,
            feeMinorUnits: fee, callbackURL: request.callbackURL, paymentURL: nil, payerDetails: request.payerDetails,
            environment: store.environment, failureReason: nil, createdAtMilliseconds: now, updatedAtMilliseconds: now)
        if kind == .deposit {
            let token = Hex.encode(SecureRandom.bytes(count: PaymentPageRoutes.tokenByteCount))
            order.paymentToken = token
            order.paymentURL = publicURL.paymentPage(token: token)
            order.expiresAtMilliseconds = now + Int64(merchant.settings.depositTimeToLiveMinutes) * 60_000
        }
        return order
    }

    private func list(_ context: RequestContext, merchant: Merchant) async throws -> HTTPResponse {
        let query: OrderListQuery
        do {
            query = try OrderListQuery.parse(query: context.request.query ?? "")
        } catch {
            throw APIError(error)
        }
        let page = try await store.orders(merchantID: merchant.id, kind: kind, matching: query)
        let nextCursor = page.hasMore ? page.orders.last.map(Self.cursor(after:)) : nil
        return .json(
            .object([
                ("data", .array(page.orders.map { presented($0).jsonObject() })),
                ("has_more", .bool(page.hasMore)),
                ("next_cursor", .optional(nextCursor)),
            ]))
    }

    private func show(_ context: RequestContext, merchant: Merchant) async throws -> HTTPResponse {
        let orderID = context.parameters["orderID"] ?? ""
        // An orderID no create could have accepted is not looked up.
        guard OrderRequest.isValidOrderID(orderID),
            let order = try await store.order(merchantID: merchant.id, kind: kind, orderID: orderID)
        else {
            throw APIError(
                status: 404, code: "order_not_found",
                message: "This merchant has no \(kind.rawValue) order with this orderID.")
        }
        return .json(presented(order).jsonObject())
    }

    /// The order as the merchant sees it. A deposit made before payment pages had tokens
    /// got one when the database was migrated, but no address: it is made here.
    private func presented(_ order: Order) -> Order {
        guard order.paymentURL == nil, let token = order.paymentToken else { return order }
        var order = order
        order.paymentURL = publicURL.paymentPage(token: token)
        return order
    }

    private static func cursor(after order: Order) -> String {
        OrderListCursor(createdAtMilliseconds: order.createdAtMilliseconds, id: order.id).encoded
    }

    /// Bodies must be JSON; parameters such as `; charset=utf-8` are allowed.
    private static func requireJSON(_ headers: HTTPHeaders) throws {
        let mediaType = headers["Content-Type"]?.split(separator: ";", maxSplits: 1).first?
            .trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "application/json" else {
            throw APIError(
                status: 415, code: "unsupported_media_type", message: "Send the body as Content-Type: application/json."
            )
        }
    }
}

extension APIError {
    /// The answer to a body or query that breaks a rule of SPEC 3.2 or 3.4.
    init(_ fault: OrderRequestFault) {
        switch fault.kind {
        case .invalidJSON:
            self.init(status: 400, code: "invalid_json", message: fault.message)
        case .validationFailed:
            self.init(status: 400, code: "validation_failed", message: fault.message, field: fault.field)
        case .currencyNotEnabled:
            self.init(status: 422, code: "currency_not_enabled", message: fault.message, field: fault.field)
        case .amountAboveLimit:
            self.init(status: 422, code: "amount_above_limit", message: fault.message, field: fault.field)
        }
    }
}

extension APIError {
    /// The answer to a withdrawal whose amount plus fee is more than the available balance.
    init(_ shortfall: InsufficientFunds) {
        let currency = shortfall.account.currency
        let needed = MinorUnits.format(shortfall.neededMinorUnits, currency: currency)
        let available = MinorUnits.format(shortfall.balanceMinorUnits, currency: currency)
        self.init(
            status: 422, code: "insufficient_funds",
            message:
                "The amount plus the fee is \(needed) \(currency.code), more than the available balance of "
                + "\(available) \(currency.code).",
            field: "amount")
    }
}
