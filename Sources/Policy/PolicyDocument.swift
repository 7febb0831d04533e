import Base

/// One policy file, decoded and checked on its own. Cross-file rules
/// (duplicates, `includes` naming a role defined elsewhere) are the merger's.
///
/// Every field is optional, but every field present must be known and of the
/// right type: a misspelt `"subscirbe"` or `"rate_limt"` is an error, because
/// ignoring it would quietly change what the policy grants.
struct PolicyDocument {
    struct RoleDefinition {
        var subscribe: [ChannelPattern] = []
        var publish: [ChannelPattern] = []
        /// Role names with the field path each came from, for error messages.
        var includes: [(name: String, field: String)] = []
        var rateLimit: RateLimit?
        var maxConnections: Int?
    }

    let file: String
    var roles: [(name: String, definition: RoleDefinition)] = []
    var clients: [(subject: String, override: PolicySet.ClientOverride)] = []
    var disabledClients: [String] = []
    var origins: [(entry: String, field: String)] = []
    var attemptsPerMinute: Int?
    var defaultRateLimit: RateLimit?
    var defaultMaxConnections: Int?

    static let maxConnectionsRange = 1...1_000_000
    static let attemptsRange = 0...1_000_000
    static let burstRange = 1...10_000_000
    static let maxMessagesPerSecond = 10_000_000.0

    init(file: String, bytes: [UInt8]) throws(PolicyError) {
        self.file = file
        let root: JSONValue
        do {
            root = try Self.parseJSON(bytes)
        } catch {
            throw PolicyError(file: file, field: "", problem: error.description)
        }
        let reader = FieldReader(file: file)
        let top = try reader.object(root, at: "", allowed: ["description", "roles", "clients", "disabled_clients", "connection", "origins", "defaults"])
        for (key, value) in top {
            switch key {
            case "description": _ = try reader.string(value, at: key)
            case "roles":
                for (name, body) in try reader.object(value, at: key, allowed: nil) {
                    roles.append((name, try Self.role(body, named: name, reader: reader)))
                }
            case "clients":
                for (subject, body) in try reader.object(value, at: key, allowed: nil) {
                    clients.append((subject, try Self.client(body, subject: subject, reader: reader)))
                }
            case "disabled_clients":
                for (index, element) in try reader.array(value, at: key).enumerated() {
                    let subject = try reader.string(element, at: "\(key)[\(index)]")
                    guard !subject.isEmpty else { throw reader.error("\(key)[\(index)]", "a subject may not be empty") }
                    disabledClients.append(subject)
                }
            case "connection":
                for (field, setting) in try reader.object(value, at: key, allowed: ["attempts_per_minute_per_address"]) {
                    attemptsPerMinute = try reader.integer(setting, at: "\(key).\(field)", in: Self.attemptsRange)
                }
            case "origins":
                for (index, element) in try reader.array(value, at: key).enumerated() {
                    origins.append((try reader.string(element, at: "\(key)[\(index)]"), "\(key)[\(index)]"))
                }
            default:  // "defaults"
                for (field, setting) in try reader.object(value, at: key, allowed: ["rate_limit", "max_connections"]) {
                    if field == "rate_limit" {
                        defaultRateLimit = try reader.rateLimit(setting, at: "\(key).\(field)")
                    } else {
                        defaultMaxConnections = try reader.integer(setting, at: "\(key).\(field)", in: Self.maxConnectionsRange)
                    }
                }
            }
        }
    }

    /// Policies nest roles, clients and limits a few levels deep; 64 leaves
    /// room for any hand-written file and none for a runaway one.
    static let maximumJSONDepth = 64

    /// The whole file must be UTF-8 (reported at its start), may begin with
    /// a byte order mark, and is then read strictly.
    static func parseJSON(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw JSONSyntaxError(line: 1, column: 1, message: "the file is not valid UTF-8")
        }
        return try JSONReader.parse(bytes, maximumDepth: maximumJSONDepth, allowingByteOrderMark: true)
    }

    private static func role(_ value: JSONValue, named name: String, reader: FieldReader) throws(PolicyError) -> RoleDefinition {
        let path = "roles.\(name)"
        guard isValidRoleName(name) else {
            throw reader.error(path, "a role name is 1-64 characters of A-Z a-z 0-9 _ . -")
        }
        var role = RoleDefinition()
        let allowed = ["description", "subscribe", "publish", "includes", "rate_limit", "max_connections"]
        for (key, setting) in try reader.object(value, at: path, allowed: allowed) {
            let field = "\(path).\(key)"
            switch key {
            case "description": _ = try reader.string(setting, at: field)
            case "subscribe": role.subscribe = try reader.patterns(setting, at: field)
            case "publish": role.publish = try reader.patterns(setting, at: field)
            case "includes":
                for (index, element) in try reader.array(setting, at: field).enumerated() {
                    role.includes.append((try reader.string(element, at: "\(field)[\(index)]"), "\(field)[\(index)]"))
                }
            case "rate_limit": role.rateLimit = try reader.rateLimit(setting, at: field)
            default: role.maxConnections = try reader.integer(setting, at: field, in: maxConnectionsRange)
            }
        }
        return role
    }

    private static func client(_ value: JSONValue, subject: String, reader: FieldReader) throws(PolicyError) -> PolicySet.ClientOverride {
        let path = "clients.\(subject)"
        guard !subject.isEmpty else { throw reader.error(path, "a subject may not be empty") }
        var client = PolicySet.ClientOverride(disabled: false)
        for (key, setting) in try reader.object(value, at: path, allowed: ["description", "rate_limit", "max_connections", "disabled"]) {
            let field = "\(path).\(key)"
            switch key {
            case "description": _ = try reader.string(setting, at: field)
            case "rate_limit": client.rateLimit = try reader.rateLimit(setting, at: field)
            case "max_connections": client.maxConnections = try reader.integer(setting, at: field, in: maxConnectionsRange)
            default: client.disabled = try reader.bool(setting, at: field)
            }
        }
        return client
    }

    /// Role names travel in tokens and logs; keeping them plain avoids
    /// look-alike names and quoting trouble.
    static func isValidRoleName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
        }
    }
}

/// Typed access to JSON values that names the field in every error.
struct FieldReader {
    let file: String

    func error(_ field: String, _ problem: String) -> PolicyError {
        PolicyError(file: file, field: field, problem: problem)
    }

    private func typeError(_ field: String, expected: String, found value: JSONValue) -> PolicyError {
        error(field, "expected \(expected), found \(value.typeName)")
    }

    /// `allowed == nil` accepts any key (maps keyed by role name or subject).
    func object(_ value: JSONValue, at field: String, allowed: [String]?) throws(PolicyError) -> JSONObject {
        guard case .object(let members) = value else { throw typeError(field.isEmpty ? "(top level)" : field, expected: "an object", found: value) }
        if let allowed {
            for (key, _) in members where !allowed.contains(key) {
                let path = field.isEmpty ? key : "\(field).\(key)"
                throw error(path, "unknown field (expected one of: \(allowed.joined(separator: ", ")))")
            }
        }
        return members
    }

    func array(_ value: JSONValue, at field: String) throws(PolicyError) -> [JSONValue] {
        guard case .array(let elements) = value else { throw typeError(field, expected: "an array", found: value) }
        return elements
    }

    func string(_ value: JSONValue, at field: String) throws(PolicyError) -> String {
        guard case .string(let text) = value else { throw typeError(field, expected: "a string", found: value) }
        return text
    }

    func bool(_ value: JSONValue, at field: String) throws(PolicyError) -> Bool {
        guard case .bool(let flag) = value else { throw typeError(field, expected: "true or false", found: value) }
        return flag
    }

    func integer(_ value: JSONValue, at field: String, in range: ClosedRange<Int>) throws(PolicyError) -> Int {
        guard case .number(let literal) = value, let number = literal.double else { throw typeError(field, expected: "an integer", found: value) }
        guard literal.isInteger, let integer = Int(exactly: number) else { throw error(field, "expected an integer, found \(number)") }
        guard range.contains(integer) else {
            throw error(field, "\(integer) is out of range (\(range.lowerBound)...\(range.upperBound))")
        }
        return integer
    }

    func rateLimit(_ value: JSONValue, at field: String) throws(PolicyError) -> RateLimit {
        var rate: Double?
        var burst: Int?
        for (key, setting) in try object(value, at: field, allowed: ["messages_per_second", "burst"]) {
            let path = "\(field).\(key)"
            if key == "burst" {
                burst = try integer(setting, at: path, in: PolicyDocument.burstRange)
            } else {
                guard case .number(let literal) = setting, let number = literal.double else { throw typeError(path, expected: "a number", found: setting) }
                guard number > 0, number <= PolicyDocument.maxMessagesPerSecond else {
                    throw error(path, "\(number) is out of range (greater than 0, at most \(Int(PolicyDocument.maxMessagesPerSecond)))")
                }
                rate = number
            }
        }
        // Both halves are required: a guessed burst is a silent policy change.
        guard let rate else { throw error("\(field).messages_per_second", "missing (a rate_limit needs messages_per_second and burst)") }
        guard let burst else { throw error("\(field).burst", "missing (a rate_limit needs messages_per_second and burst)") }
        return RateLimit(messagesPerSecond: rate, burst: burst)
    }

    func patterns(_ value: JSONValue, at field: String) throws(PolicyError) -> [ChannelPattern] {
        var patterns: [ChannelPattern] = []
        for (index, element) in try array(value, at: field).enumerated() {
            let text = try string(element, at: "\(field)[\(index)]")
            do {
                patterns.append(try ChannelPattern(parsing: text))
            } catch {
                throw self.error("\(field)[\(index)]", "\(String(reflecting: text)) is not a valid channel pattern (\(error))")
            }
        }
        return patterns
    }
}
