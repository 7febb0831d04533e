import Audit
import Auth
import Base
import Broadcast
import NetCore
import Policy
import TextFormat
import WebSocket

/// `POST /api/v1/publish`: producers publish over HTTPS with a token whose
/// policy grants `publish`. One message or an array; all are checked before
/// any is published, so a batch is refused whole or published whole.
extension Connection {
    static let maxPublishBatch = 1000

    struct PublishItem {
        let channel: String
        let dataJSON: String
        let expiresAtMilliseconds: Int64?
        let idempotencyKey: String?
    }

    /// Answers on this connection's loop through `answer`: at once for a
    /// refusal or a single node, after the bus's answers in a cluster.
    func publishOverHTTP(_ request: HTTPRequest, answer: @escaping (HTTPResponse) -> Void) {
        switch checkPublishRequest(request) {
        case .failure(let refusal): answer(refusal.response)
        case .success(let (claims, items)):
            publishNext(of: PublishBatch(items: items, claims: claims, answer: answer))
        }
    }

    struct PublishResponseError: Error { let response: HTTPResponse }

    /// Token, policy, body: everything that can refuse the batch before any of it is published.
    private func checkPublishRequest(_ request: HTTPRequest) -> Result<(Claims, [PublishItem]), PublishResponseError> {
        let access = state.access.snapshot
        guard let (token, _) = BearerToken.extract(authorization: request.headers["Authorization"], subprotocols: [],
                                                   query: nil, allowQuery: false) else {
            auditHTTPPublish(outcome: "denied", reason: "missing_token", claims: nil, channels: [])
            return .failure(PublishResponseError(response: .json(status: 401, error: "missing_token", message: "send Authorization: Bearer <JWT> with a publisher token",
                         extraHeaders: [("WWW-Authenticate", #"Bearer realm="streamd""#)])))
        }
        let claims: Claims
        switch access.verifier.verify(token, now: WallClock.nowMilliseconds() / 1000) {
        case .success(let verified): claims = verified
        case .failure(let rejection):
            auditHTTPPublish(outcome: "denied", reason: rejection.reason, claims: nil, channels: [])
            return .failure(PublishResponseError(response: .json(status: 401, error: "invalid_token", message: rejection.message,
                         extraHeaders: [("WWW-Authenticate", #"Bearer realm="streamd", error="invalid_token", error_description="\#(rejection.message)""#)])))
        }
        let entitlements: Entitlements
        switch access.policy.entitlements(subject: claims.subject, roles: claims.roles, channelsClaim: claims.channels) {
        case .success(let granted): entitlements = granted
        case .failure(let refusal):
            auditHTTPPublish(outcome: "denied", reason: refusal.reason, claims: claims, channels: [])
            return .failure(PublishResponseError(response: .json(status: 403, error: refusal.reason, message: refusal.message)))
        }
        let items: [PublishItem]
        switch parsePublishBody(request.body) {
        case .success(let parsed): items = parsed
        case .failure(let problem): return .failure(PublishResponseError(response: .json(status: 400, error: "bad_request", message: problem.message)))
        }
        for (index, item) in items.enumerated() where !entitlements.mayPublish(item.channel) {
            auditHTTPPublish(outcome: "denied", reason: "forbidden", claims: claims, channels: [item.channel])
            return .failure(PublishResponseError(response: .json(status: 403, error: "forbidden", message: "item \(index): \(claims.subject) may not publish on \(item.channel); nothing was published")))
        }
        return .success((claims, items))
    }

    /// One HTTP batch on its way through the broadcaster (and the bus).
    final class PublishBatch {
        var remaining: ArraySlice<PublishItem>
        let claims: Claims
        let channels: [String]
        var results: [String] = []
        let answer: (HTTPResponse) -> Void

        init(items: [PublishItem], claims: Claims, answer: @escaping (HTTPResponse) -> Void) {
            remaining = items[...]
            self.claims = claims
            channels = items.map(\.channel)
            self.answer = answer
        }
    }

    /// Publishes the items one after another, each once the one before has its
    /// seq, and stops at the first failure (the answer says how many went out).
    private func publishNext(of batch: PublishBatch) {
        guard let item = batch.remaining.popFirst() else {
            auditHTTPPublish(outcome: "allowed", reason: nil, claims: batch.claims, channels: batch.channels)
            return batch.answer(HTTPResponse(status: 200, headers: [("Content-Type", "application/json")],
                                             body: Array(#"{"results":[\#(batch.results.joined(separator: ","))]}"#.utf8)))
        }
        // Loop-confined: the batch travels through the bus and comes back to this loop.
        let pending = UncheckedBox((self, batch))
        context.broadcaster.publish(channel: item.channel, dataJSON: item.dataJSON, expiresAtMilliseconds: item.expiresAtMilliseconds,
                                    idempotencyKey: item.idempotencyKey) { result in
            pending.value.0.onOwnLoop { connection in
                let batch = pending.value.1
                switch result {
                case .success(let receipt):
                    batch.results.append(#"{"channel":\#(JSONStringEscaper.quoted(item.channel)),\#(receipt.json.dropFirst())"#)
                    connection.publishNext(of: batch)
                case .failure(let error):
                    let published = batch.results.count
                    batch.answer(.json(status: error.code == "bad_request" ? 400 : 503, error: error.code,
                                       message: "item \(published): \(error.description); \(published) published before it"))
                }
            }
        }
    }

    struct BodyError: Error { let message: String }

    private func parsePublishBody(_ body: [UInt8]) -> Result<[PublishItem], BodyError> {
        guard let value = try? JSONReader.parse(body, maximumDepth: JSONReader.defaultMaximumDepth, allowingByteOrderMark: true),
              value.arrayValue != nil || value.objectValue != nil else {
            return .failure(BodyError(message: "the body must be JSON: {\"channel\":..., \"type\":..., \"data\":{...}} or an array of them"))
        }
        let objects = value.arrayValue ?? [value]
        guard !objects.isEmpty, objects.count <= Connection.maxPublishBatch else {
            return .failure(BodyError(message: "a batch holds 1 to \(Connection.maxPublishBatch) messages"))
        }
        var items: [PublishItem] = []
        for (index, element) in objects.enumerated() {
            guard let object = element.objectValue else { return .failure(BodyError(message: "item \(index) is not an object")) }
            switch publishItem(object) {
            case .success(let item): items.append(item)
            case .failure(let problem): return .failure(BodyError(message: "item \(index): \(problem.message)"))
            }
        }
        return .success(items)
    }

    /// One message to publish, from the wss `publish` operation or an HTTP
    /// body item: channel, optional type (`event` over wss), data object,
    /// optional `valid_until` (RFC 3339) in the item or in its data.
    func publishItem(_ object: JSONObject, typeKey: String = "type") -> Result<PublishItem, BodyError> {
        guard let channel = object["channel"]?.stringValue else { return .failure(BodyError(message: "needs a string \"channel\"")) }
        if let problem = ChannelRules.problem(with: channel, maxBytes: state.limits.maxChannelNameBytes, allowWildcard: false) {
            return .failure(BodyError(message: problem))
        }
        let kind = ChannelKind(channel: channel)!
        if let type = object[typeKey] {
            guard let name = type.stringValue, name == kind.messageType else {
                return .failure(BodyError(message: "messages on \(kind.rawValue): channels have type \(kind.messageType)"))
            }
        }
        guard let data = object["data"]?.objectValue else { return .failure(BodyError(message: "needs a \"data\" object")) }
        var expires: Int64?
        if let raw = object["valid_until"] ?? data["valid_until"] {
            guard let text = raw.stringValue, let ms = AuditQuery.parseTime(text) else {
                return .failure(BodyError(message: "valid_until must be an RFC 3339 time such as 2026-11-27T08:00:00.000Z"))
            }
            expires = ms
        }
        var key: String?
        if let raw = object["idempotency_key"] {
            guard let text = raw.stringValue, IdempotencyKey.problem(with: text) == nil else {
                return .failure(BodyError(message: "idempotency_key must be a string of 1 to \(IdempotencyKey.maxBytes) bytes of printable ASCII"))
            }
            key = text
        }
        // Re-encoded compactly (keys sorted, numbers as written): the reader
        // keeps no bytes, and a body with escapes or spacing comes out canonical.
        return .success(PublishItem(channel: channel, dataJSON: JSONValue.object(data).serialized, expiresAtMilliseconds: expires,
                                    idempotencyKey: key))
    }

    /// The same item from a skimmed wss `publish`, or nil when anything is
    /// off (the general path then answers with the precise error).
    func publishItem(_ skim: PublishSkim, _ payload: [UInt8]) -> PublishItem? {
        guard let channel = skim.channel, let data = skim.data,
              ChannelRules.problem(with: channel, maxBytes: state.limits.maxChannelNameBytes, allowWildcard: false) == nil,
              let kind = ChannelKind(channel: channel), skim.event == nil || skim.event == kind.messageType
        else { return nil }
        var expires: Int64?
        if let text = skim.validUntil ?? skim.dataValidUntil {
            guard let ms = AuditQuery.parseTime(text) else { return nil }
            expires = ms
        }
        return PublishItem(channel: channel, dataJSON: String(decoding: payload[data], as: UTF8.self), expiresAtMilliseconds: expires,
                           idempotencyKey: skim.idempotencyKey)
    }

    private func auditHTTPPublish(outcome: String, reason: String?, claims: Claims?, channels: [String]) {
        var details: [(String, AuditValue)] = [("via", .string("https"))]
        if !channels.isEmpty {
            details.append(("channel", .string(Array(Set(channels)).sorted().joined(separator: ","))))
            details.append(("messages", .int(Int64(channels.count))))
        }
        audit("publish", outcome, reason: reason, claims: claims, details: details)
    }
}
