/// A close status code (RFC 6455 §7.4) carried in the first two bytes of a
/// close frame's payload.
///
/// A struct rather than an enum because the application range 3000–4999 is
/// open-ended: any code there is legal, and streamd defines its own 4xxx codes.
public struct CloseCode: RawRepresentable, Hashable, Sendable, ExpressibleByIntegerLiteral,
    CustomStringConvertible
{
    public let rawValue: UInt16

    @inlinable
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    @inlinable
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    @inlinable
    public init(integerLiteral value: UInt16) { self.rawValue = value }

    // RFC 6455 §7.4.1
    public static let normal: CloseCode = 1000
    public static let goingAway: CloseCode = 1001
    public static let protocolError: CloseCode = 1002
    public static let unsupportedData: CloseCode = 1003
    /// Reported locally when a close frame carried no code; never sent.
    public static let noStatus: CloseCode = 1005
    /// Reported locally when the connection dropped without a close frame; never sent.
    public static let abnormal: CloseCode = 1006
    public static let invalidPayload: CloseCode = 1007
    public static let policyViolation: CloseCode = 1008
    public static let messageTooBig: CloseCode = 1009
    public static let mandatoryExtension: CloseCode = 1010
    public static let internalError: CloseCode = 1011

    // streamd's application codes (protocol.md §5), mirroring HTTP statuses.
    public static let tokenExpired: CloseCode = 4001
    public static let permissionWithdrawn: CloseCode = 4003
    public static let slowConsumer: CloseCode = 4008
    public static let rateLimited: CloseCode = 4029

    /// Whether a peer may put this code in a close frame.
    ///
    /// Valid: 1000–1003, 1007–1014 and 3000–4999.
    /// - 1004 is reserved, 1005/1006/1015 are for local reporting only.
    /// - 1012 (service restart), 1013 (try again later) and 1014 (bad gateway)
    ///   are registered with IANA and sent by real servers, so we accept them,
    ///   although old Autobahn releases listed them as invalid in case 7.9.x.
    /// - 0–999, 1016–2999 and 5000+ are unassigned or not for use.
    @inlinable
    public var isAllowedOnWire: Bool {
        switch rawValue {
        case 1000...1003, 1007...1014, 3000...4999: return true
        default: return false
        }
    }

    public var description: String {
        let name: String
        switch rawValue {
        case 1000: name = "normal"
        case 1001: name = "going away"
        case 1002: name = "protocol error"
        case 1003: name = "unsupported data"
        case 1005: name = "no status"
        case 1006: name = "abnormal"
        case 1007: name = "invalid payload"
        case 1008: name = "policy violation"
        case 1009: name = "message too big"
        case 1010: name = "mandatory extension"
        case 1011: name = "internal error"
        case 4001: name = "token expired"
        case 4003: name = "permission withdrawn"
        case 4008: name = "slow consumer"
        case 4029: name = "rate limited"
        default: return String(rawValue)
        }
        return "\(rawValue) (\(name))"
    }
}
