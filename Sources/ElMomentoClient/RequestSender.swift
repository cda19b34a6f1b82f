import ElMomentoSigning
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Which signature the SDK puts on requests (SPEC 3.1).
public enum ElMomentoSignatureVersion: Sendable, Equatable {
    /// The integration document's: the timestamp and the body.
    case v1
    /// `Signature-Version: 2`: the timestamp, method, path and query, and body.
    case v2
}

/// An answer the gateway gave, whatever its status.
struct Answer: Sendable {
    let status: Int
    let headers: ResponseHeaders
    let body: [UInt8]
}

/// Response header fields, looked up by name in any case.
struct ResponseHeaders: Sendable {
    private let fields: [String: String]

    init(_ response: HTTPURLResponse) {
        var fields: [String: String] = [:]
        for (name, value) in response.allHeaderFields {
            if let name = name as? String, let value = value as? String { fields[name.lowercased()] = value }
        }
        self.fields = fields
    }

    subscript(name: String) -> String? { fields[name.lowercased()] }
}

/// Signs and sends requests, and sends them again as the retry policy allows.
struct RequestSender: Sendable {
    /// Scheme, host and port, and any path prefix, without a trailing slash.
    let base: String
    /// The path prefix of `base` (empty for a gateway at the root), signed as part of the path.
    let basePath: String
    let signer: RequestSignature
    let signatureVersion: ElMomentoSignatureVersion
    let retryPolicy: ElMomentoRetryPolicy
    let requestTimeoutSeconds: Double
    let timestampSeconds: @Sendable () -> Int64

    /// One session for every client: it keeps no cookies or cache, reuses connections, and
    /// follows no redirect, so a signed request goes nowhere but the configured gateway.
    private static let session = URLSession(
        configuration: .ephemeral, delegate: RedirectRefusal(), delegateQueue: nil)

    /// Sends `method` to `target` (path and query, already percent-encoded) with `body`, retrying
    /// as the policy allows, and returns the first answer below 400.
    func send(_ method: String, _ target: String, body: [UInt8]? = nil) async throws(ElMomentoError) -> Answer {
        var attempt = 1
        var waitedSeconds = 0.0
        while true {
            let failure: ElMomentoError
            do {
                let answer = try await sendOnce(method, target, body: body)
                guard answer.status >= 400 else { return answer }
                failure = ElMomentoError.answered(status: answer.status, body: answer.body, headers: answer.headers)
            } catch {
                failure = error
            }
            guard
                let delay = retryPolicy.delayBeforeRetry(after: failure, attempt: attempt, waitedSeconds: waitedSeconds)
            else { throw failure }
            do {
                try await retryPolicy.sleep(delay)
            } catch {
                throw failure
            }
            waitedSeconds += delay
            attempt += 1
        }
    }

    /// One attempt, signed with the current time; a failure to get any answer is thrown.
    private func sendOnce(_ method: String, _ target: String, body: [UInt8]?) async throws(ElMomentoError) -> Answer {
        guard let url = URL(string: base + target) else {
            preconditionFailure("the SDK builds only valid URLs: \(base + target)")
        }
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData)
        request.httpMethod = method
        request.timeoutInterval = requestTimeoutSeconds
        for (name, value) in signatureHeaders(method, target, body: body ?? []) {
            request.setValue(value, forHTTPHeaderField: name)
        }
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(body)
        }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await Self.session.data(for: request)
        } catch {
            throw Self.transportFailure(error, url: url)
        }
        guard let response = response as? HTTPURLResponse else {
            throw ElMomentoError(
                kind: .invalidResponse, status: nil, code: ElMomentoError.invalidResponseCode,
                message: "The answer from \(url.host ?? base) is not HTTP.")
        }
        let headers = ResponseHeaders(response)
        guard !(300..<400).contains(response.statusCode) else {
            throw ElMomentoError(
                kind: .invalidResponse, status: response.statusCode, code: ElMomentoError.invalidResponseCode,
                message: "The gateway redirected to \(headers["Location"] ?? "another address"); check the base URL.",
                requestID: headers["X-Request-Id"])
        }
        return Answer(status: response.statusCode, headers: headers, body: Array(data))
    }

    /// `X-Timestamp` and `Signature` (and `Signature-Version` for version 2), for now.
    func signatureHeaders(_ method: String, _ target: String, body: [UInt8]) -> [(String, String)] {
        let timestamp = String(timestampSeconds())
        switch signatureVersion {
        case .v1:
            // Version 1 signs the body of POST, PUT and PATCH only (SPEC 3.1).
            let signed = ["POST", "PUT", "PATCH"].contains(method) ? body : []
            return [("X-Timestamp", timestamp), ("Signature", signer.sign(timestamp: timestamp, body: signed))]
        case .v2:
            let signature = signer.signVersion2(
                timestamp: timestamp, method: method, target: basePath + target, body: body)
            return [("X-Timestamp", timestamp), ("Signature-Version", "2"), ("Signature", signature)]
        }
    }

    private static func transportFailure(_ error: any Error, url: URL) -> ElMomentoError {
        let place = "\(url.host ?? "the gateway")" + (url.port.map { ":\($0)" } ?? "")
        let reason: String
        switch (error as? URLError)?.code {
        case .cannotConnectToHost?: reason = "could not connect to \(place)"
        case .cannotFindHost?: reason = "could not resolve \(place)"
        case .timedOut?: reason = "no answer from \(place) in time"
        case .networkConnectionLost?: reason = "the connection to \(place) was lost"
        case .cancelled?: reason = "the request to \(place) was cancelled"
        default: reason = "the request to \(place) failed: \(error.localizedDescription)"
        }
        return ElMomentoError(kind: .transport, status: nil, code: ElMomentoError.transportCode, message: reason)
    }
}

/// Answers every redirect with "don't follow": the redirect itself becomes the answer.
private final class RedirectRefusal: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
