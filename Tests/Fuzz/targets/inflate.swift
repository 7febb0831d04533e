// permessage-deflate inflate: any bytes as a compressed message (bounded
// output, no crash), and deflate → inflate gives the input back. zlib
// streams are made once and reset, as the server does, so a run is fast.
nonisolated(unsafe) let inflater = MessageInflater(windowBits: 15)!
nonisolated(unsafe) let deflaters = (9...15).map { MessageDeflater(windowBits: $0, level: $0 % 10)! }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let limit = 1 << 16
    var out: [UInt8] = []
    let split = size / 2
    if inflater.inflate(UnsafeRawBufferPointer(rebasing: bytes[..<split]), isFinal: false, into: &out, limit: limit) == nil {
        _ = inflater.inflate(UnsafeRawBufferPointer(rebasing: bytes[split...]), isFinal: true, into: &out, limit: limit)
    }
    precondition(out.count <= limit + 1, "inflated past the limit")
    inflater.reset()

    let compressed = deflaters[size % deflaters.count].compress(bytes)
    var back: [UInt8] = []
    let failure = compressed.withUnsafeBytes { inflater.inflate($0, isFinal: true, into: &back, limit: size + 1) }
    precondition(failure == nil && back.elementsEqual(bytes), "deflate then inflate did not give the input back")
    inflater.reset()
    return 0
}
