import Broadcast
import NetCore
import Synchronization
import WebSocket

/// Why a publish was not accepted.
public struct PublishError: Error, CustomStringConvertible, Sendable {
    public let code: String      // bad_request
    public let description: String
}

/// The one broadcaster every session shares. A message is given its `seq`,
/// encoded and framed once, and handed to each loop, which writes the same
/// bytes to each of its subscribers.
public final class Broadcaster: @unchecked Sendable {
    private let contexts: [LoopContext]
    /// Per channel: the last seq given out. Held while handing a message to
    /// the loops, so every loop sees a channel's messages in seq order.
    private let sequences = Mutex<[String: UInt64]>([:])
    private let maxChannelNameBytes: Int

    init(contexts: [LoopContext], maxChannelNameBytes: Int) {
        self.contexts = contexts
        self.maxChannelNameBytes = maxChannelNameBytes
    }

    /// Publishes `data` (a JSON object's text) on `channel`; returns its seq.
    @discardableResult
    public func publish(channel: String, dataJSON: String) throws(PublishError) -> UInt64 {
        guard let kind = ChannelKind(channel: channel) else {
            throw PublishError(code: "bad_request", description: "channel \(channel.debugDescription) must start with tick:, signal:, order:, idea: or payload:")
        }
        if let problem = ChannelRules.problem(with: channel, maxBytes: maxChannelNameBytes, allowWildcard: false) {
            throw PublishError(code: "bad_request", description: problem)
        }
        return sequences.withLock { sequences in
            let seq = sequences[channel, default: 0] + 1
            sequences[channel] = seq
            let time = Timestamp.rfc3339(milliseconds: WallClock.nowMilliseconds())
            let json = #"{"type":"\#(kind.messageType)","channel":\#(JSONStringEscaper.quoted(channel)),"seq":\#(seq),"timestamp":"\#(time)","data":\#(dataJSON)}"#
            let message = StreamMessage(channel: channel, type: kind.messageType, seq: seq,
                                        frame: FrameEncoder.frame(opcode: .text, payload: Array(json.utf8)))
            for context in contexts {
                let box = UncheckedBox(context)
                context.loop.execute { box.value.deliver(message) }
            }
            return seq
        }
    }

    /// The last seq given out on `channel` (0 when none yet).
    public func lastSequence(of channel: String) -> UInt64 {
        sequences.withLock { $0[channel, default: 0] }
    }
}

/// Channel-name rules of the contract (section 3): printable ASCII, bounded
/// length, a known kind; `*` only as the final character of a subscription.
enum ChannelRules {
    static func problem(with name: String, maxBytes: Int, allowWildcard: Bool) -> String? {
        let bytes = name.utf8
        if bytes.isEmpty { return "a channel name may not be empty" }
        if bytes.count > maxBytes { return "channel names are at most \(maxBytes) bytes" }
        for (offset, byte) in bytes.enumerated() {
            guard byte >= 0x21 && byte <= 0x7e else { return "channel names are printable ASCII without spaces" }
            if byte == UInt8(ascii: "*") && !(allowWildcard && offset == bytes.count - 1) {
                return allowWildcard ? "'*' may only end a channel pattern" : "a channel to publish on may not contain '*'"
            }
        }
        guard ChannelKind(channel: name) != nil else {
            return "channel \(name.debugDescription) must start with tick:, signal:, order:, idea: or payload:"
        }
        return nil
    }
}
