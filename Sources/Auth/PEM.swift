import Base

/// One `-----BEGIN LABEL----- … -----END LABEL-----` block (RFC 7468).
struct PEMBlock: Equatable {
    let label: String
    let der: [UInt8]

    var isPrivateKey: Bool { label.hasSuffix("PRIVATE KEY") }

    /// Canonical text: what libjwt is given to sign with, whatever the file
    /// held around or inside the block.
    var text: String {
        "-----BEGIN \(label)-----\n" + Base64.encode(der, lineLength: 64) + "-----END \(label)-----\n"
    }
}

enum PEM {
    /// Every block in a file, or a sentence saying why the file is not PEM.
    /// Text outside blocks is ignored, as OpenSSL ignores it.
    static func blocks(in bytes: [UInt8]) -> Result<[PEMBlock], PEMError> {
        var blocks: [PEMBlock] = []
        var open: (label: String, body: [UInt8])?
        let text = String(decoding: bytes, as: UTF8.self)
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = rawLine.trimmingASCIIWhitespace()
            if let current = open {
                if line.hasPrefix("-----END ") {
                    guard line == "-----END \(current.label)-----" else {
                        return .failure(.init("BEGIN \(current.label) is closed by \(line)"))
                    }
                    guard let der = Base64.decode(current.body, alphabet: .standard), !der.isEmpty else {
                        return .failure(.init("the \(current.label) block is not valid base64"))
                    }
                    blocks.append(PEMBlock(label: current.label, der: der))
                    open = nil
                } else if line.contains(":") {
                    // RFC 1421 headers (Proc-Type, DEK-Info) mean a legacy encrypted key.
                    return .failure(.init("the \(current.label) block is encrypted; give an unencrypted key"))
                } else {
                    open?.body.append(contentsOf: Array(line.utf8))
                }
            } else if line.hasPrefix("-----BEGIN "), line.hasSuffix("-----"), line.count > 16 {
                let label = String(line.dropFirst(11).dropLast(5))
                open = (label, [])
            }
        }
        if let current = open {
            return .failure(.init("the \(current.label) block has no END line"))
        }
        return .success(blocks)
    }
}

struct PEMError: Error, Equatable {
    let text: String
    init(_ text: String) { self.text = text }
}

extension StringProtocol {
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let first = firstIndex(where: { !isSpace($0) }),
              let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
