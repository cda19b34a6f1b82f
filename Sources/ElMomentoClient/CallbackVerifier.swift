import ElMomentoSigning
import Foundation

/// Checks, in the merchant's own server, that a callback really comes from the gateway (SPEC 6).
///
/// A callback carries `X-Timestamp` and `Signature`: lowercase hex HMAC-SHA512, keyed with the
/// merchant's secret, over the timestamp followed by the raw body bytes (the request signature's
/// version 1). Verify the body exactly as received, before any JSON parsing re-serialises it. A
/// timestamp far from now is refused too, so that a callback captured once cannot be replayed
/// later; deduplicate on `webhookID` as well, since a callback may arrive more than once.
///
/// ```swift
/// let verifier = CallbackVerifier(secret: secret)
/// let event = try verifier.verify(body: bodyBytes, timestamp: headers["X-Timestamp"], signature: headers["Signature"])
/// ```
public struct CallbackVerifier: Sendable {
    /// How far a callback's timestamp may be from now, either side, by default.
    public static let toleranceSecondsDefault: Int64 = 300

    private let signers: [RequestSignature]
    private let toleranceSeconds: Int64

    /// A verifier for `secret`; during a rotation, give the other secret as `previousSecret`
    /// too, and a callback signed with either is accepted.
    public init(
        secret: String, previousSecret: String? = nil,
        toleranceSeconds: Int64 = CallbackVerifier.toleranceSecondsDefault
    ) {
        precondition(toleranceSeconds >= 0, "a tolerance is a number of seconds, 0 or more")
        signers = [secret, previousSecret].compactMap { $0 }.map(RequestSignature.init(secret:))
        self.toleranceSeconds = toleranceSeconds
    }

    /// The event a callback carries, once its timestamp and signature check out; otherwise
    /// throws the `CallbackVerificationError` that names the first fault.
    ///
    /// - Parameters:
    ///   - body: the raw body bytes, exactly as received.
    ///   - timestamp: the `X-Timestamp` header's value.
    ///   - signature: the `Signature` header's value.
    ///   - now: the time to check the timestamp against.
    public func verify(
        body: some Collection<UInt8>, timestamp: String?, signature: String?, now: Date = Date()
    ) throws -> ElMomentoEvent {
        guard let timestamp, !timestamp.isEmpty else { throw CallbackVerificationError.missingTimestamp }
        guard timestamp.utf8.count <= 12, timestamp.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            let seconds = Int64(timestamp)
        else { throw CallbackVerificationError.invalidTimestamp }
        let offset = seconds - Int64(now.timeIntervalSince1970.rounded(.down))
        guard abs(offset) <= toleranceSeconds else {
            throw CallbackVerificationError.timestampOutsideTolerance(offsetSeconds: offset)
        }
        guard let signature, !signature.isEmpty else { throw CallbackVerificationError.missingSignature }
        let bytes = Array(body)
        // Every secret is tried, so the time taken does not tell which one matched.
        var isValid = false
        for signer in signers {
            isValid = signer.isValid(signature: signature, timestamp: timestamp, body: bytes) || isValid
        }
        guard isValid else { throw CallbackVerificationError.invalidSignature }
        guard let json = try? ElMomentoJSON(parsing: bytes), let event = ElMomentoEvent(json: json) else {
            throw CallbackVerificationError.invalidBody
        }
        return event
    }

    /// The event a callback carries, reading `X-Timestamp` and `Signature` from `headers`
    /// (names in any case).
    public func verify(
        body: some Collection<UInt8>, headers: [String: String], now: Date = Date()
    ) throws -> ElMomentoEvent {
        let value = { (name: String) in headers.first { $0.key.lowercased() == name }?.value }
        return try verify(body: body, timestamp: value("x-timestamp"), signature: value("signature"), now: now)
    }
}

/// Why a callback was refused: answer it with a `4xx` and do not act on it.
public enum CallbackVerificationError: Error, Sendable, Equatable {
    /// No `X-Timestamp` header.
    case missingTimestamp
    /// `X-Timestamp` is not Unix time in whole seconds.
    case invalidTimestamp
    /// `X-Timestamp` is further from now than the tolerance: a replay, or a clock that is wrong.
    /// `offsetSeconds` is the timestamp minus now.
    case timestampOutsideTolerance(offsetSeconds: Int64)
    /// No `Signature` header.
    case missingSignature
    /// The signature does not match the body and timestamp with the secret: not from the gateway,
    /// or changed on the way.
    case invalidSignature
    /// Signed correctly, but not an event this SDK can read.
    case invalidBody
}
