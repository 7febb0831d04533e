/// The header fields of a request, in the order received.
///
/// Order and duplicates are kept because they carry meaning: several
/// `Sec-WebSocket-Protocol` lines form one list, and a repeated
/// `Content-Length` or `Host` is a smuggling signal the parser must see.
/// Lookups are case-insensitive (RFC 9110 §5.1).
public struct HTTPHeaders: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public struct Field: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public private(set) var fields: [Field]

    public init() { fields = [] }

    public init(_ pairs: [(String, String)]) {
        fields = pairs.map { Field(name: $0.0, value: $0.1) }
    }

    /// Keeps literal order and duplicates: `["Host": "a", "X": "1", "X": "2"]`.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    public var count: Int { fields.count }

    public mutating func add(name: String, value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// The first value of the named field, or nil when absent.
    public subscript(name: String) -> String? {
        fields.first { HTTPSyntax.equalsIgnoringCase($0.name.utf8, name.utf8) }?.value
    }

    /// Every value of the named field, in order.
    public func values(_ name: String) -> [String] {
        fields.compactMap { HTTPSyntax.equalsIgnoringCase($0.name.utf8, name.utf8) ? $0.value : nil }
    }

    /// Whether any value of the named field, read as a comma-separated list,
    /// holds `token` (case-insensitively), e.g. `Connection: keep-alive, Upgrade`
    /// contains `upgrade`.
    public func containsToken(_ name: String, _ token: String) -> Bool {
        values(name).contains { value in
            HTTPSyntax.listElements(value).contains { HTTPSyntax.equalsIgnoringCase($0.utf8, token.utf8) }
        }
    }

    public func makeIterator() -> IndexingIterator<[Field]> {
        fields.makeIterator()
    }
}
