// The WebSocket frame reader in the client role (unmasked server frames), with
// permessage-deflate on when the first byte is odd; input fed in pieces.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzFrameReader(UnsafeBufferPointer(start: data, count: size), role: .client)
    return 0
}
