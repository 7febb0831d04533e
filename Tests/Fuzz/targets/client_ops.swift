// Client operations as the server reads them: the publish fast path
// (PublishSkim) and the general path (ClientRequest over the strict
// reader). Neither may crash; whatever the fast path accepts, the general
// path reads the same way (same type, channel, id; `data` the same object):
// the fast path reads through the same reader, so it never accepts what
// the reader refuses.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Text frames reach the parsers only once validated as UTF-8.
    guard String(validating: bytes, as: UTF8.self) != nil else { return 0 }
    let general = ClientRequest.parse(bytes)
    guard let skim = PublishSkim.skim(bytes) else { return 0 }
    let document: JSONObject
    do {
        guard let object = try JSONReader.parse(bytes, maximumDepth: JSONReader.defaultMaximumDepth).objectValue else {
            preconditionFailure("the fast path accepted a document that is not an object")
        }
        document = object
    } catch {
        preconditionFailure("the fast path accepted what the reader refuses: \(error)")
    }
    precondition(skim.type == nil || document["type"]?.stringValue == skim.type, "type")
    precondition(skim.channel == nil || document["channel"]?.stringValue == skim.channel, "channel")
    precondition(skim.event == nil || document["event"]?.stringValue == skim.event, "event")
    precondition(skim.validUntil == nil || document["valid_until"]?.stringValue == skim.validUntil, "valid_until")
    precondition(skim.idempotencyKey == nil || document["idempotency_key"]?.stringValue == skim.idempotencyKey, "idempotency_key")
    if let range = skim.data {
        let parsed = try? JSONReader.parse(Array(bytes[range]), maximumDepth: JSONReader.defaultMaximumDepth)
        precondition(parsed != nil && parsed == document["data"], "data")
        precondition(skim.dataValidUntil == nil || parsed?.objectValue?["valid_until"]?.stringValue == skim.dataValidUntil, "data.valid_until")
    }
    if case .success(let request) = general {
        precondition(skim.id == nil || request.id == skim.id, "id: \(String(describing: skim.id)) vs \(String(describing: request.id))")
        precondition(skim.type == nil || request.type == skim.type, "request type")
    } else if skim.type != nil {
        // A document with a string type and an id the fast path could echo is one the general path takes.
        preconditionFailure("the general path refused a document the fast path read")
    }
    return 0
}
