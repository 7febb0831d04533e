// The incremental UTF-8 validator, differential against the standard
// library's decoder: both must agree on every input, however it is split.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let expected = String(validating: bytes, as: UTF8.self) != nil
    var validator = UTF8Validator()
    let split = size / 2
    let valid = validator.validate(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[..<split])))
        && validator.validate(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[split...]))) && validator.isComplete
    precondition(valid == expected, "UTF8Validator says \(valid), the standard library \(expected)")
    return 0
}
