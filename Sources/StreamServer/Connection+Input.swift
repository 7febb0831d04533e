import WebSocket

extension Connection {
    /// The read side, one parser at a time: HTTP requests before the
    /// upgrade, WebSocket frames after it.
    struct Input {
        /// Whether the first byte was checked (it must open a TLS handshake record).
        var sawFirstByte = false
        var httpParser: HTTPRequestParser?
        /// Bytes kept while an answer waits on the cluster bus (see Connection+Parking).
        var parked: [UInt8]?
        var frames: WebSocketReader?
    }
}
