import Audit
import Auth
import Broadcast
import Foundation
import NetCore
import Policy
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
    }

    /// Answers on this connection's loop through `answer`: at once for a
    /// refusal or a single node, after the bus's answers in a cluster.
    func publishOverHTTP(_ request: HTTPRequest, answer: @escaping (HTTPResponse) -> Void) {
        switch checkPublishRequest(request) {
        case .failure(let refusal): answer(refusal.response)
        case .success(let (claims, items)):
            publishBatch(items[...], claims: claims, channels: items.map(\.channel), results: [], answer: answer)
        }
    }

    struct PublishRefusal: Error { let response: HTTPResponse }

    /// Token, policy, body: everything that can refuse the batch before any of it is published.
    private func checkPublishRequest(_ request: HTTPRequest) -> Result<(Claims, [PublishItem]), PublishRefusal> {
        let access = state.access.snapshot
        guard let (token, _) = BearerToken.extract(authorization: request.headers["Authorization"], subprotocols: [],
                                                   query: nil, allowQuery: false) else {
            auditHTTPPublish(outcome: "denied", reason: "missing_token", claims: nil, channels: [])
            return .failure(PublishRefusal(response: .json(status: 401, error: "missing_token", message: "send Authorization: Bearer <JWT> with a publisher token",
                         extraHeaders: [("WWW-Authenticate", #"Bearer realm="streamd""#)])))
        }
        let claims: Claims
        switch access.verifier.verify(token, now: WallClock.nowMilliseconds() / 1000) {
        case .success(let verified): claims = verified
        case .failure(let rejection):
            auditHTTPPublish(outcome: "denied", reason: rejection.reason, claims: nil, channels: [])
            return .failure(PublishRefusal(response: .json(status: 401, error: "invalid_token", message: rejection.message,
                         extraHeaders: [("WWW-Authenticate", #"Bearer realm="streamd", error="invalid_token", error_description="\#(rejection.message)""#)])))
        }
        let entitlements: Entitlements
        switch access.policy.entitlements(subject: claims.subject, roles: claims.roles, channelsClaim: claims.channels) {
        case .success(let granted): entitlements = granted
        case .failure(let refusal):
            auditHTTPPublish(outcome: "denied", reason: refusal.reason, claims: claims, channels: [])
            return .failure(PublishRefusal(response: .json(status: 403, error: refusal.reason, message: refusal.message)))
        }
        let items: [PublishItem]
        switch parsePublishBody(request.body) {
        case .success(let parsed): items = parsed
        case .failure(let problem): return .failure(PublishRefusal(response: .json(status: 400, error: "bad_request", message: problem.message)))
        }
        for (index, item) in items.enumerated() where !entitlements.mayPublish(item.channel) {
            auditHTTPPublish(outcome: "denied", reason: "forbidden", claims: claims, channels: [item.channel])
            return .failure(PublishRefusal(response: .json(status: 403, error: "forbidden", message: "item \(index): \(claims.subject) may not publish on \(item.channel); nothing was published")))
        }
        return .success((claims, items))
    }

    /// Publishes the items one after another, each once the one before has its
    /// seq, and stops at the first failure (the answer says how many went out).
    private func publishBatch(_ items: ArraySlice<PublishItem>, claims: Claims, channels: [String], results: [String],
                              answer: @escaping (HTTPResponse) -> Void) {
        guard let item = items.first else {
            auditHTTPPublish(outcome: "allowed", reason: nil, claims: claims, channels: channels)
            return answer(HTTPResponse(status: 200, headers: [("Content-Type", "application/json")],
                                       body: Array(#"{"results":[\#(results.joined(separator: ","))]}"#.utf8)))
        }
        // Loop-confined values: they travel through the bus and come back to this loop.
        let pending = UncheckedBox((self, items, claims, channels, results, answer))
        context.broadcaster.publish(channel: item.channel, dataJSON: item.dataJSON,
                                    expiresAtMilliseconds: item.expiresAtMilliseconds) { result in
            let (connection, items, claims, channels, results, answer) = pending.value
            connection.onOwnLoop { connection in
                switch result {
                case .success(let seq):
                    var results = results
                    results.append(#"{"channel":\#(JSONStringEscaper.quoted(item.channel)),"seq":\#(seq)}"#)
                    connection.publishBatch(items.dropFirst(), claims: claims, channels: channels, results: results, answer: answer)
                case .failure(let error):
                    let status = error.code == "bad_request" ? 400 : 503
                    let code = error.code == "storage_error" ? "storage_error" : error.code
                    answer(.json(status: status, error: code,
                                 message: "item \(results.count): \(error.description); \(results.count) published before it"))
                }
            }
        }
    }

    struct BodyProblem: Error { let message: String }

    private func parsePublishBody(_ body: [UInt8]) -> Result<[PublishItem], BodyProblem> {
        guard let value = try? JSONSerialization.jsonObject(with: Data(body)) else {
            return .failure(BodyProblem(message: "the body must be JSON: {\"channel\":..., \"type\":..., \"data\":{...}} or an array of them"))
        }
        let objects: [Any] = (value as? [Any]) ?? [value]
        guard !objects.isEmpty, objects.count <= Connection.maxPublishBatch else {
            return .failure(BodyProblem(message: "a batch holds 1 to \(Connection.maxPublishBatch) messages"))
        }
        var items: [PublishItem] = []
        for (index, element) in objects.enumerated() {
            guard let object = element as? [String: Any] else { return .failure(BodyProblem(message: "item \(index) is not an object")) }
            switch publishItem(object) {
            case .success(let item): items.append(item)
            case .failure(let problem): return .failure(BodyProblem(message: "item \(index): \(problem.message)"))
            }
        }
        return .success(items)
    }

    /// One message to publish, from the wss `publish` operation or an HTTP
    /// body item: channel, optional type (`event` over wss), data object,
    /// optional `valid_until` (RFC 3339) in the item or in its data.
    func publishItem(_ object: [String: Any], typeKey: String = "type") -> Result<PublishItem, BodyProblem> {
        guard let channel = object["channel"] as? String else { return .failure(BodyProblem(message: "needs a string \"channel\"")) }
        if let problem = ChannelRules.problem(with: channel, maxBytes: state.limits.maxChannelNameBytes, allowWildcard: false) {
            return .failure(BodyProblem(message: problem))
        }
        let kind = ChannelKind(channel: channel)!
        if let type = object[typeKey] {
            guard let name = type as? String, name == kind.messageType else {
                return .failure(BodyProblem(message: "messages on \(kind.rawValue): channels have type \(kind.messageType)"))
            }
        }
        guard let data = object["data"] as? [String: Any] else { return .failure(BodyProblem(message: "needs a \"data\" object")) }
        var expires: Int64?
        if let raw = object["valid_until"] ?? data["valid_until"] {
            guard let text = raw as? String, let ms = AuditQuery.parseTime(text) else {
                return .failure(BodyProblem(message: "valid_until must be an RFC 3339 time such as 2026-11-27T08:00:00.000Z"))
            }
            expires = ms
        }
        guard let encoded = try? JSONSerialization.data(withJSONObject: data, options: [.withoutEscapingSlashes]) else {
            return .failure(BodyProblem(message: "\"data\" could not be encoded"))
        }
        return .success(PublishItem(channel: channel, dataJSON: String(decoding: encoded, as: UTF8.self), expiresAtMilliseconds: expires))
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
