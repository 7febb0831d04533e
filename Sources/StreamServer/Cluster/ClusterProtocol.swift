import Base
import Broadcast

/// How instances share channels through Redis, as values and text: key
/// names, the Lua scripts that number messages and count sessions, and the
/// bus message format. Nothing here touches a socket.
///
/// Per channel: `<prefix>seq:<channel>` (the last seq, a string integer),
/// `<prefix>epoch:<channel>` (the numbering's epoch), `<prefix>stream:<channel>`
/// (a Redis stream of the recent messages, entry id `<seq>-0`, fields `m`
/// (meta) and `j` (the JSON envelope), trimmed to about the history depth,
/// or `cluster.private_stream_length` for private channels), and
/// `<prefix>idem:<channel> <key>` ("<seq> <epoch>" of a publish under an
/// idempotency key, expiring after the window). `<prefix>channels` is the set of channel names
/// (so a new or reconnected instance knows what to resync), `<prefix>bus`
/// the pub/sub channel that carries every publish to every instance, and
/// `<prefix>sessions:<subject>` a sorted set of open sessions scored by when
/// their lease ends.
struct ClusterKeys: Sendable {
    let prefix: String

    func sequence(_ channel: String) -> String { prefix + "seq:" + channel }
    func stream(_ channel: String) -> String { prefix + "stream:" + channel }
    func epoch(_ channel: String) -> String { prefix + "epoch:" + channel }
    /// Channel names hold no spaces, so the space keeps (channel, key) pairs apart.
    func idempotency(_ channel: String, _ key: String) -> String { prefix + "idem:" + channel + " " + key }
    func sessions(_ subject: String) -> String { prefix + "sessions:" + subject }
    var channels: String { prefix + "channels" }
    var bus: String { prefix + "bus" }
}

enum ClusterScripts {
    /// KEYS: seq, epoch, stream, channels set[, idempotency key]. ARGV: floor
    /// epoch, floor seq, max stream length, envelope head, envelope tail,
    /// meta head ("<expires> <time>"), bus channel, channel name, a fresh
    /// epoch, idempotency window ms. Returns {seq, epoch, duplicate}.
    ///
    /// One atomic step: a key seen within the window answers with the
    /// original; a channel whose epoch, counter or stream is gone (Redis lost
    /// it) starts a new epoch at seq 1 and drops what is left of the old one;
    /// otherwise the seq goes above both the counter and, in the same epoch,
    /// the caller's floor (a Redis restored from an older copy must not
    /// number below what clients saw). The message is stored, then published,
    /// so every instance sees a channel's messages in seq order.
    static let publish = """
    if KEYS[5] then
      local seen = redis.call('GET', KEYS[5])
      if seen then
        local s, e = string.match(seen, '^(%d+) (.+)$')
        return {tonumber(s), e, 1}
      end
    end
    local epoch = redis.call('GET', KEYS[2])
    local seq = tonumber(redis.call('GET', KEYS[1]) or '0')
    if (not epoch) or seq == 0 or redis.call('EXISTS', KEYS[3]) == 0 then
      epoch = ARGV[9]
      redis.call('SET', KEYS[2], epoch)
      redis.call('DEL', KEYS[3])
      seq = 1
    else
      seq = seq + 1
      local floor = 0
      if ARGV[1] == epoch then floor = tonumber(ARGV[2]) end
      local top = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)[1]
      if top then
        local stored = tonumber(string.match(top[1], '^(%d+)'))
        if stored > floor then floor = stored end
      end
      if seq <= floor then seq = floor + 1 end
    end
    redis.call('SET', KEYS[1], seq)
    local meta = ARGV[6] .. ' ' .. epoch .. ' ' .. ARGV[8]
    local json = ARGV[4] .. seq .. ',"epoch":"' .. epoch .. '"' .. ARGV[5]
    redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], seq .. '-0', 'm', meta, 'j', json)
    redis.call('SADD', KEYS[4], ARGV[8])
    if KEYS[5] then redis.call('SET', KEYS[5], seq .. ' ' .. epoch, 'PX', ARGV[10]) end
    redis.call('PUBLISH', ARGV[7], seq .. ' ' .. meta .. '\\n' .. json)
    return {seq, epoch, 0}
    """

    /// KEYS: seq, epoch, channels set. ARGV: epoch and last seq this
    /// instance holds, channel. A Redis restored from an older copy of the
    /// same epoch resumes numbering above what instances saw; a Redis that
    /// lost the epoch is left without one, so the next publish starts a new one.
    static let seed = """
    if redis.call('GET', KEYS[2]) == ARGV[1] then
      local current = tonumber(redis.call('GET', KEYS[1]) or '0')
      if current < tonumber(ARGV[2]) then redis.call('SET', KEYS[1], ARGV[2]) end
    end
    redis.call('SADD', KEYS[3], ARGV[3])
    return 1
    """

    /// KEYS: the subject's session set. ARGV: member, limit, lease ms.
    /// Expired leases (an instance that died) are dropped first; 1 when the
    /// session fits under the limit, 0 when it does not. Redis's own clock
    /// scores the leases, so instances' clocks need not agree.
    static let acquireSession = """
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
    if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
    redis.call('PEXPIRE', KEYS[1], ARGV[3])
    return 1
    """

    /// KEYS: session sets; ARGV: lease ms, then one member per key.
    /// Extends the leases of this instance's live sessions.
    static let renewSessions = """
    local t = redis.call('TIME')
    local until_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
    for i, key in ipairs(KEYS) do
      redis.call('ZADD', key, 'XX', until_ms, ARGV[i + 1])
      redis.call('PEXPIRE', key, ARGV[1])
    end
    return #KEYS
    """
}

/// The part of a bus message or stream entry that is not the envelope:
/// `<expires ms or ->` `<time ms>` `<epoch>` `<channel>`, space-separated
/// (epochs and channel names never hold spaces). The publish script writes
/// the epoch: `head` is the first two fields, which the publisher knows.
struct ClusterMeta: Equatable, Sendable {
    let expiresAtMilliseconds: Int64?
    let timeMilliseconds: Int64
    let epoch: String
    let channel: String

    var text: String { "\(ClusterMeta.head(expiresAtMilliseconds: expiresAtMilliseconds, timeMilliseconds: timeMilliseconds)) \(epoch) \(channel)" }

    static func head(expiresAtMilliseconds: Int64?, timeMilliseconds: Int64) -> String {
        "\(expiresAtMilliseconds.map(String.init) ?? "-") \(timeMilliseconds)"
    }

    static func parse<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> ClusterMeta? {
        let fields = bytes.split(separator: UInt8(ascii: " "), maxSplits: 3, omittingEmptySubsequences: false)
        guard fields.count == 4, let time = Int64(String(decoding: fields[1], as: UTF8.self)) else { return nil }
        let expiresText = String(decoding: fields[0], as: UTF8.self)
        let expires: Int64?
        if expiresText == "-" { expires = nil } else if let value = Int64(expiresText) { expires = value } else { return nil }
        let epoch = String(decoding: fields[2], as: UTF8.self)
        let channel = String(decoding: fields[3], as: UTF8.self)
        guard Epoch.isWellFormed(epoch), !channel.isEmpty else { return nil }
        return ClusterMeta(expiresAtMilliseconds: expires, timeMilliseconds: time, epoch: epoch, channel: channel)
    }
}

enum ClusterCodec {
    /// A bus message: `<seq> <meta>\n<envelope>`.
    static func decodeBusMessage(_ payload: [UInt8]) -> NumberedMessage? {
        guard let newline = payload.firstIndex(of: UInt8(ascii: "\n")),
              let space = payload[..<newline].firstIndex(of: UInt8(ascii: " ")),
              let seq = UInt64(String(decoding: payload[..<space], as: UTF8.self)),
              let meta = ClusterMeta.parse(payload[(space + 1)..<newline])
        else { return nil }
        return numbered(seq: seq, meta: meta, envelope: Array(payload[(newline + 1)...]))
    }

    /// A stream entry: id `<seq>-0`, fields `m` and `j`.
    static func decodeStreamEntry(id: [UInt8], fields: [[UInt8]]) -> NumberedMessage? {
        guard let dash = id.firstIndex(of: UInt8(ascii: "-")),
              let seq = UInt64(String(decoding: id[..<dash], as: UTF8.self)) else { return nil }
        var meta: ClusterMeta?
        var envelope: [UInt8]?
        var index = 0
        while index + 1 < fields.count {
            switch fields[index] {
            case Array("m".utf8): meta = ClusterMeta.parse(fields[index + 1])
            case Array("j".utf8): envelope = fields[index + 1]
            default: break
            }
            index += 2
        }
        guard let meta, let envelope else { return nil }
        return numbered(seq: seq, meta: meta, envelope: envelope)
    }

    private static func numbered(seq: UInt64, meta: ClusterMeta, envelope: [UInt8]) -> NumberedMessage? {
        guard seq > 0, let kind = ChannelKind(channel: meta.channel) else { return nil }
        return NumberedMessage(channel: meta.channel, kind: kind, seq: seq, epoch: meta.epoch, timeMilliseconds: meta.timeMilliseconds,
                               expiresAtMilliseconds: meta.expiresAtMilliseconds, payload: envelope)
    }
}
