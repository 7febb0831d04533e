internal import CHiredis

/// An incremental RESP2 reply parser: bytes go in as they arrive from the
/// socket, whole replies come out. hiredis's reader does the parsing (it is
/// the parser Redis's own tools use); this class owns the C reader, frees it
/// in deinit, and turns its `redisReply` trees into `RESPValue`s, freeing each
/// tree at once so no C memory outlives a call.
///
/// Never touches a socket. After a protocol error the reader stays failed:
/// the only recovery is a new connection with a new parser.
public final class RESPParser {
    private let reader: UnsafeMutablePointer<redisReader>

    public init() {
        // redisReaderCreate fails only when malloc does.
        guard let reader = redisReaderCreate() else { fatalError("hiredis: out of memory creating a reply reader") }
        self.reader = reader
    }

    deinit { redisReaderFree(reader) }

    /// Appends received bytes; hiredis copies them, so `bytes` may be reused
    /// (the loop's shared receive buffer) as soon as this returns.
    public func feed(_ bytes: UnsafeRawBufferPointer) throws(RedisError) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        if redisReaderFeed(reader, base.assumingMemoryBound(to: CChar.self), bytes.count) != REDIS_OK {
            throw .protocolError(readerError)
        }
    }

    public func feed(_ bytes: [UInt8]) throws(RedisError) {
        let failure: RedisError? = bytes.withUnsafeBytes { buffer in
            do throws(RedisError) {
                try feed(buffer)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    /// The next complete reply, or nil until more bytes arrive.
    public func next() throws(RedisError) -> RESPValue? {
        var raw: UnsafeMutableRawPointer?
        guard redisReaderGetReply(reader, &raw) == REDIS_OK else { throw .protocolError(readerError) }
        guard let raw else { return nil }
        defer { freeReplyObject(raw) }
        return Self.value(of: raw.assumingMemoryBound(to: redisReply.self))
    }

    private var readerError: String { String(cString: CHiredis_reader_error(reader)) }

    /// hiredis's default object functions build exactly these six types;
    /// nesting is bounded by its reader (7 levels), so recursion is shallow.
    private static func value(of reply: UnsafePointer<redisReply>) -> RESPValue {
        let node = reply.pointee
        switch node.type {
        case REDIS_REPLY_STATUS: return .simpleString(text(node))
        case REDIS_REPLY_ERROR: return .error(text(node))
        case REDIS_REPLY_INTEGER: return .integer(Int64(node.integer))
        case REDIS_REPLY_STRING: return .bulk(bytes(node))
        case REDIS_REPLY_ARRAY:
            var elements: [RESPValue] = []
            elements.reserveCapacity(node.elements)
            for index in 0..<node.elements {
                guard let child = node.element[index] else { elements.append(.null); continue }
                elements.append(value(of: child))
            }
            return .array(elements)
        default: return .null  // REDIS_REPLY_NIL: $-1 and *-1
        }
    }

    private static func bytes(_ node: redisReply) -> [UInt8] {
        guard let str = node.str, node.len > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: str, count: node.len))
    }

    private static func text(_ node: redisReply) -> String {
        String(decoding: bytes(node), as: UTF8.self)
    }
}
