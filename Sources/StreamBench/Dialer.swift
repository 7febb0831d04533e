import NetCore
import StreamClient
import TLS

/// How one loop's bench connections are made: the server, the TLS context,
/// the token, whether to offer permessage-deflate, and the loop's scratch
/// buffer. Every pool of a loop holds one.
struct Dialer {
    let loop: EventLoop
    let endpoint: StreamEndpoint
    let context: TLSContext
    let token: String
    let offerCompression: Bool
    let scratch = LoopScratch()

    /// A new connection, not yet started.
    func connection(delegate: BenchConnectionDelegate) throws -> BenchConnection {
        try BenchConnection(loop: loop, scratch: scratch, endpoint: endpoint, context: context, token: token,
                            offerCompression: offerCompression, delegate: delegate)
    }
}
