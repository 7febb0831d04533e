public import Base
internal import CLinux
import Glibc

extension SocketAddress {
    /// The TCP addresses of `host` (a literal or a name), IPv4 first. Blocks
    /// for as long as the resolver takes: call it at startup, never on a loop.
    public static func resolve(host: String, port: UInt16) throws(SystemError) -> [SocketAddress] {
        if let literal = try? SocketAddress(host: host, port: port) { return [literal] }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            // getaddrinfo reports through its own codes, not errno; EAI_SYSTEM
            // is the one case where errno holds the reason.
            let code = rc == EAI_SYSTEM ? errno : EHOSTUNREACH
            let detail = rc == EAI_SYSTEM ? "" : ": \(String(cString: gai_strerror(rc)))"
            throw SystemError("getaddrinfo(\(host))\(detail)", errno: code)
        }
        defer { freeaddrinfo(list) }
        var found: [SocketAddress] = []
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let entry = node {
            let family = entry.pointee.ai_family
            if (family == AF_INET || family == AF_INET6), let raw = entry.pointee.ai_addr {
                var storage = sockaddr_storage()
                withUnsafeMutableBytes(of: &storage) { destination in
                    destination.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: Int(entry.pointee.ai_addrlen)))
                }
                let address = SocketAddress(storage: storage)
                if !found.contains(where: { $0.host == address.host }) { found.append(address) }
            }
            node = entry.pointee.ai_next
        }
        found.sort { $0.family == AF_INET && $1.family != AF_INET }
        guard !found.isEmpty else { throw SystemError("getaddrinfo(\(host)): no IPv4 or IPv6 address", errno: EHOSTUNREACH) }
        return found
    }
}
