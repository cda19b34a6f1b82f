import ElMomentoSigning
import Foundation

/// A merchant's client of the ElMomento gateway: signed requests, typed answers, typed errors.
///
/// ```swift
/// let client = ElMomentoClient(baseURL: URL(string: "http://127.0.0.1:8080")!, merchant: "1xbet", secret: secret)
/// let created = try await client.createDeposit(
///     ElMomentoOrderRequest(orderID: "order-1", amount: "500.00", currency: "DOP", payer: ["email": "a@b.do"]))
/// for try await order in client.listDeposits(status: .pending) { print(order.orderID, order.amount) }
/// ```
///
/// Requests are signed with version 2 (method, path and query signed too) unless told
/// otherwise. Network failures and `5xx` answers are retried as `retryPolicy` allows, each
/// attempt with a fresh timestamp and signature and the same body bytes; `4xx` never are.
/// Every call, and reading a list, throws `ElMomentoError`.
public struct ElMomentoClient: Sendable {
    /// The gateway's base URL (`https://gateway.example`), without `/api`.
    public let baseURL: URL
    /// The merchant's slug (`1xbet`).
    public let merchant: String
    private let sender: RequestSender

    /// A client of the gateway at `baseURL` (an `http` or `https` URL with no query), as
    /// `merchant`, signing with `secret`.
    ///
    /// - Parameters:
    ///   - signatureVersion: `.v2` unless the merchant's integration must match the
    ///     integration document's version 1.
    ///   - retryPolicy: how network failures and `5xx` answers are retried.
    ///   - requestTimeoutSeconds: how long one attempt may wait for its answer.
    ///   - timestampSeconds: the clock that dates each request (Unix seconds); the gateway
    ///     refuses a timestamp more than 30 s from its own.
    public init(
        baseURL: URL, merchant: String, secret: String, signatureVersion: ElMomentoSignatureVersion = .v2,
        retryPolicy: ElMomentoRetryPolicy = .standard, requestTimeoutSeconds: Double = 30,
        timestampSeconds: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        let components = URLComponents(url: baseURL, resolvingAgainstBaseURL: true)
        precondition(
            ["http", "https"].contains(components?.scheme?.lowercased()) && components?.host != nil
                && components?.query == nil,
            "baseURL must be an http or https URL without a query")
        let basePath = String((components?.percentEncodedPath ?? "").reversed().drop { $0 == "/" }.reversed())
        var origin = components ?? URLComponents()
        origin.percentEncodedPath = ""
        origin.fragment = nil
        self.baseURL = baseURL
        self.merchant = merchant
        sender = RequestSender(
            base: (origin.string ?? "") + basePath, basePath: basePath, signer: RequestSignature(secret: secret),
            signatureVersion: signatureVersion, retryPolicy: retryPolicy, requestTimeoutSeconds: requestTimeoutSeconds,
            timestampSeconds: timestampSeconds)
    }

    /// Creates a deposit; the same request again returns the existing order (`wasReplayed`).
    public func createDeposit(_ order: ElMomentoOrderRequest) async throws -> ElMomentoCreation {
        try await create(order, in: "orders")
    }

    /// Creates a withdrawal, reserving its amount plus fee from the available balance.
    public func createWithdrawal(_ order: ElMomentoOrderRequest) async throws -> ElMomentoCreation {
        try await create(order, in: "withdrawalorders")
    }

    /// The deposit with the merchant's `orderID`; `404 order_not_found` when there is none.
    public func deposit(orderID: String) async throws -> ElMomentoOrder {
        try await order(orderID: orderID, in: "orders")
    }

    /// The withdrawal with the merchant's `orderID`; `404 order_not_found` when there is none.
    public func withdrawal(orderID: String) async throws -> ElMomentoOrder {
        try await order(orderID: orderID, in: "withdrawalorders")
    }

    /// The merchant's deposits, newest first, across every page; both time bounds inclusive.
    /// `pageSize` (1–100) is how many each request fetches.
    public func listDeposits(
        status: ElMomentoOrderStatus? = nil, createdAfter: Date? = nil, createdBefore: Date? = nil, pageSize: Int = 20
    ) -> ElMomentoPages<ElMomentoOrder> {
        list("orders", status: status, createdAfter: createdAfter, createdBefore: createdBefore, pageSize: pageSize)
    }

    /// The merchant's withdrawals, newest first, across every page; both time bounds inclusive.
    public func listWithdrawals(
        status: ElMomentoOrderStatus? = nil, createdAfter: Date? = nil, createdBefore: Date? = nil, pageSize: Int = 20
    ) -> ElMomentoPages<ElMomentoOrder> {
        list(
            "withdrawalorders", status: status, createdAfter: createdAfter, createdBefore: createdBefore,
            pageSize: pageSize)
    }

    /// The merchant's balance in each enabled currency.
    public func balance() async throws -> [ElMomentoBalance] {
        let answer = try await sender.send("GET", apiPath("balance/"))
        guard let entries = try? ElMomentoJSON(parsing: answer.body)["balances"]?.arrayValue,
            case let balances = entries.compactMap(ElMomentoBalance.init(json:)), balances.count == entries.count
        else { throw ElMomentoError.unreadable("a list of balances", status: answer.status, headers: answer.headers) }
        return balances
    }

    /// Every status change of the merchant's orders after the event `after` (a `webhook_id`;
    /// from the first when `nil`), oldest first: what callbacks carried, to catch up on any
    /// that were missed (SPEC 3.5). The sequence ends at the newest event; keep the last
    /// `webhookID` read and pass it as `after` next time.
    public func events(after: String? = nil, pageSize: Int = 20) -> ElMomentoPages<ElMomentoEvent> {
        precondition((1...100).contains(pageSize), "pageSize must be 1 to 100")
        return ElMomentoPages(startingAt: after) { cursor in
            let query = QueryString().adding("after", cursor).adding("limit", String(pageSize))
            return try await page(apiPath("events/") + query.text, of: "events", reading: ElMomentoEvent.init(json:))
        }
    }

    private func create(_ order: ElMomentoOrderRequest, in collection: String) async throws(ElMomentoError)
        -> ElMomentoCreation
    {
        let answer = try await sender.send("POST", apiPath(collection + "/"), body: order.body())
        let read = try readOrder(answer)
        let isReplay = answer.status == 200 && answer.headers["Idempotent-Replayed"]?.lowercased() == "true"
        return ElMomentoCreation(order: read, wasReplayed: isReplay, requestID: answer.headers["X-Request-Id"])
    }

    private func order(orderID: String, in collection: String) async throws(ElMomentoError) -> ElMomentoOrder {
        try readOrder(await sender.send("GET", apiPath("\(collection)/\(QueryString.encode(orderID))/")))
    }

    private func list(
        _ collection: String, status: ElMomentoOrderStatus?, createdAfter: Date?, createdBefore: Date?, pageSize: Int
    ) -> ElMomentoPages<ElMomentoOrder> {
        precondition((1...100).contains(pageSize), "pageSize must be 1 to 100")
        let filters = QueryString().adding("status", status?.rawValue)
            .adding("created_after", createdAfter.map(QueryString.rfc3339))
            .adding("created_before", createdBefore.map(QueryString.rfc3339)).adding("limit", String(pageSize))
        return ElMomentoPages { cursor in
            let query = filters.adding("cursor", cursor)
            return try await page(
                apiPath(collection + "/") + query.text, of: "orders", reading: ElMomentoOrder.init(json:))
        }
    }

    /// One page of a list (`{"data": […], "has_more": …, "next_cursor": …}`).
    private func page<Item>(
        _ target: String, of what: String, reading read: (ElMomentoJSON) -> Item?
    ) async throws(ElMomentoError) -> Page<Item> {
        let answer = try await sender.send("GET", target)
        guard let json = try? ElMomentoJSON(parsing: answer.body), let data = json["data"]?.arrayValue,
            let hasMore = json["has_more"]?.boolValue, case let items = data.compactMap(read), items.count == data.count
        else { throw ElMomentoError.unreadable("a page of \(what)", status: answer.status, headers: answer.headers) }
        return Page(items: items, nextCursor: hasMore ? json["next_cursor"]?.stringValue : nil)
    }

    private func readOrder(_ answer: Answer) throws(ElMomentoError) -> ElMomentoOrder {
        guard let json = try? ElMomentoJSON(parsing: answer.body), let order = ElMomentoOrder(json: json) else {
            throw ElMomentoError.unreadable("an order", status: answer.status, headers: answer.headers)
        }
        return order
    }

    /// `/api/{merchant}/` followed by `rest`.
    private func apiPath(_ rest: String) -> String {
        "/api/\(QueryString.encode(merchant))/" + rest
    }
}
