// Sec-WebSocket-Extensions: parsing, the server's choice and the client's
// check; an answer the server makes must pass the client's check.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard case .success(let offers) = PerMessageDeflate.parse([text]) else { return 0 }
    if let agreement = PerMessageDeflate.negotiate(offers, policy: .init()) {
        if case .failure(let problem) = PerMessageDeflate.acceptAnswer([agreement.responseHeader]) {
            preconditionFailure("the server's own answer \(agreement.responseHeader) fails the client's check: \(problem)")
        }
    }
    return 0
}
