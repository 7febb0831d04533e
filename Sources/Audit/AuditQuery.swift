public import Base
public import TextFormat

/// A filter over audit lines for `streamd audit query`. Every criterion that is set must
/// match; time is a half-open range, `since <= time < until`, in milliseconds. Lines that
/// are not JSON objects are skipped and counted (run `verify` to learn why).
public struct AuditQuery: Sendable {
    public var subject: String?
    public var event: String?
    public var outcome: String?
    public var since: Int64?
    public var until: Int64?

    public struct Summary: Sendable, Equatable {
        public var linesRead = 0
        public var linesMatched = 0
        public var linesSkipped = 0
    }

    public init(
        subject: String? = nil, event: String? = nil, outcome: String? = nil, since: Int64? = nil, until: Int64? = nil
    ) {
        self.subject = subject
        self.event = event
        self.outcome = outcome
        self.since = since
        self.until = until
    }

    public func matches(line: JSONObject) -> Bool {
        if let subject, line["subject"]?.stringValue != subject { return false }
        if let event, line["event"]?.stringValue != event { return false }
        if let outcome, line["outcome"]?.stringValue != outcome { return false }
        if since != nil || until != nil {
            guard let text = line["time"]?.stringValue, let time = Self.parseTime(text) else { return false }
            if let since, time < since { return false }
            if let until, time >= until { return false }
        }
        return true
    }

    /// Streams the matching lines (raw text, without newline) of `files`, in order.
    @discardableResult
    public func run(files: [String], output: (String) -> Void) throws(AuditError) -> Summary {
        var summary = Summary()
        for file in files {
            let reader = try AuditLineReader(path: file)
            while let (line, _) = try reader.next() {
                summary.linesRead += 1
                guard let object = AuditLineCheck.object(line) else {
                    summary.linesSkipped += 1
                    continue
                }
                if matches(line: object) {
                    summary.linesMatched += 1
                    output(String(decoding: line, as: UTF8.self))
                }
            }
        }
        return summary
    }

    /// RFC 3339 ("2026-11-27T08:00:00Z", with or without fractional seconds, `Z` or an
    /// offset), a bare date (midnight UTC), or unix seconds; milliseconds since 1970.
    public static func parseTime(_ text: String) -> Int64? {
        RFC3339.parse(text)
    }
}
