public import Base
internal import CLinux
import Glibc

/// An IPv4 or IPv6 address and port, parsed from text or read from the kernel.
public struct SocketAddress: Sendable, CustomStringConvertible {
    public let host: String
    public let port: UInt16
    let family: Int32

    init(storage: sockaddr_storage) {
        var storage = storage
        let family = Int32(storage.ss_family) == AF_INET6 ? AF_INET6 : AF_INET
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let networkPort = withUnsafeMutableBytes(of: &storage) { raw -> UInt16 in
            // inet_ntop reads the address field of the family's own layout.
            if family == AF_INET6 {
                let address = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self)
                inet_ntop(AF_INET6, &address.pointee.sin6_addr, &buffer, socklen_t(buffer.count))
                return address.pointee.sin6_port
            }
            let address = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self)
            inet_ntop(AF_INET, &address.pointee.sin_addr, &buffer, socklen_t(buffer.count))
            return address.pointee.sin_port
        }
        self.port = UInt16(bigEndian: networkPort)
        self.family = family
        self.host = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public init(host: String, port: UInt16) throws(SystemError) {
        var probe4 = in_addr()
        var probe6 = in6_addr()
        if inet_pton(AF_INET, host, &probe4) == 1 {
            family = AF_INET
        } else if inet_pton(AF_INET6, host, &probe6) == 1 {
            family = AF_INET6
        } else {
            throw SystemError("inet_pton(\(host))", errno: EINVAL)
        }
        self.host = host
        self.port = port
    }

    public var description: String {
        family == AF_INET6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Calls `body` with this address as a `sockaddr`.
    func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var storage = sockaddr_storage()
        let length = withUnsafeMutableBytes(of: &storage) { raw -> Int in
            // inet_pton writes the address field of the family's own layout.
            if family == AF_INET6 {
                let address = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self)
                address.pointee.sin6_family = sa_family_t(AF_INET6)
                address.pointee.sin6_port = port.bigEndian
                inet_pton(AF_INET6, host, &address.pointee.sin6_addr)
                return MemoryLayout<sockaddr_in6>.size
            }
            let address = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self)
            address.pointee.sin_family = sa_family_t(AF_INET)
            address.pointee.sin_port = port.bigEndian
            inet_pton(AF_INET, host, &address.pointee.sin_addr)
            return MemoryLayout<sockaddr_in>.size
        }
        return withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(length)) }
        }
    }
}
