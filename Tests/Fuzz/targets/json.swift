import Foundation

// The strict JSON reader, differential against Foundation's JSONSerialization:
// whatever the reader accepts, Foundation accepts too, with the same
// structure, strings and (within rounding) numbers. Foundation may accept
// more (trailing commas, duplicate keys); the reader must never crash.
// Reading without building (skipValue) decides as parse does, with the
// same error. Foundation drops U+FEFF inside strings (it reads it as a byte order mark
// wherever it is); the reader keeps it, as RFC 8259 says, so strings and
// names are compared without it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    precondition(skipped(bytes) == parsed(bytes), "reading without building and parse disagree on \(String(decoding: bytes, as: UTF8.self).debugDescription)")
    let value: JSONValue
    do {
        value = try JSONReader.parse(bytes, maximumDepth: 512, allowingByteOrderMark: true)
    } catch {
        precondition(error.line >= 1 && error.column >= 1 && !error.message.isEmpty, "\(error)")
        return 0
    }
    let oracle: Any
    do {
        oracle = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
    } catch {
        preconditionFailure("the reader accepted what Foundation refuses (\(error)): \(String(decoding: bytes, as: UTF8.self).debugDescription)")
    }
    precondition(same(value, oracle), "the reader and Foundation disagree on \(String(decoding: bytes, as: UTF8.self).debugDescription)")
    return 0
}

private func parsed(_ bytes: [UInt8]) -> JSONSyntaxError? {
    do {
        _ = try JSONReader.parse(bytes, maximumDepth: 512)
        return nil
    } catch {
        return error
    }
}

private func skipped(_ bytes: [UInt8]) -> JSONSyntaxError? {
    var reader = JSONReader(bytes, maximumDepth: 512)
    do {
        _ = reader.nextByte()
        try reader.skipValue()
        try reader.finish()
        return nil
    } catch {
        return error
    }
}

private func same(_ value: JSONValue, _ oracle: Any) -> Bool {
    switch value {
    case .null: return oracle is NSNull
    case .bool(let flag):
        guard let number = oracle as? NSNumber, String(cString: number.objCType) == "c" else { return false }
        return number.boolValue == flag
    case .number(let number):
        guard let other = oracle as? NSNumber, String(cString: other.objCType) != "c" else { return false }
        if let exact = number.exactInteger, String(cString: other.objCType) == "q" { return other.int64Value == exact }
        guard let double = number.double else { return false }
        let theirs = other.doubleValue
        return double == theirs || abs(double - theirs) <= 1e-9 * max(abs(double), abs(theirs))
    case .string(let text): return (oracle as? String).map(withoutBOM) == withoutBOM(text)
    case .array(let elements):
        guard let others = oracle as? [Any], others.count == elements.count else { return false }
        return zip(elements, others).allSatisfy { same($0, $1) }
    case .object(let object):
        guard let theirs = oracle as? [String: Any] else { return false }
        var others: [String: Any] = [:]
        for (key, value) in theirs { others[withoutBOM(key)] = value }
        let names = Set(object.keys.map(withoutBOM))
        // Names that differ only by U+FEFF are one name to Foundation: nothing to compare.
        guard names.count == object.count else { return true }
        guard others.count == object.count else { return false }
        return object.allSatisfy { member in others[withoutBOM(member.key)].map { same(member.value, $0) } ?? false }
    }
}

private func withoutBOM(_ text: String) -> String {
    String(String.UnicodeScalarView(text.unicodeScalars.filter { $0 != "\u{FEFF}" }))
}
