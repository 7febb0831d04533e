// The policy loader: one or two policy documents from the input (split at
// the first NUL). A refusal must name its file and say what is wrong; a
// policy that loads must load the same way twice, and no role may give one
// subject another's private channel through its own-subject patterns.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let parts = input.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
    let documents = parts.enumerated().map { (name: "policy-\($0.offset).json", json: String(decoding: $0.element, as: UTF8.self)) }
    let policy: PolicySet
    do {
        policy = try PolicySet.parse(documents: documents)
    } catch {
        precondition(documents.contains { $0.name == error.file }, "a refusal names no document: \(error)")
        precondition(!error.problem.isEmpty, "a refusal says nothing: \(error)")
        return 0
    }
    guard let again = try? PolicySet.parse(documents: documents) else { preconditionFailure("the same documents loaded once, then not") }
    precondition(again.roleNames == policy.roleNames, "the same documents gave other roles")

    let channels = ["tick:EURUSD", "order:acct-1", "order:acct-2", "payload:acct-1", "signal:*", "order:", ""]
        + documents.map { String($0.json.prefix(64)) }
    // Private channels stay private: a subject gets another subject's
    // channel only through a pattern that grants it to every subject (client
    // entries aside, which name subjects: documents that name one are skipped).
    let namesSubjects = documents.contains { $0.json.contains("acct") }
    for role in policy.roleNames {
        guard case .success(let own) = policy.entitlements(subject: "acct-1", roles: [role], channelsClaim: nil),
              case .success(let other) = policy.entitlements(subject: "acct-3", roles: [role], channelsClaim: nil) else { continue }
        for channel in channels {
            _ = own.mayPublish(channel)
            if !namesSubjects, own.maySubscribe(channel), channel.hasSuffix("acct-2") {
                precondition(other.maySubscribe(channel), "\(channel) granted to acct-1 but not to acct-3: a subject pattern leaked")
            }
        }
    }
    return 0
}
