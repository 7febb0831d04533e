import Auth
import Foundation
import Policy
import StreamServer

/// `streamd token issue`: a signed token for one trading client.
enum TokenCommand {
    static let help = """
    USAGE: streamd token issue --sub ID --role ROLE [--role ROLE...] [--ttl 8h]
                               [--channels PATTERN,...] [--config FILE]
                               [--key FILE --kid KID --alg ES256|RS256|HS256]
                               [--policies DIR] [--iss ISSUER] [--aud AUDIENCE] [--jti ID]

    Prints the token on stdout (and nothing else, so it can be piped into a file).
    Roles are checked against the policy files; an unknown role is an error.
    By default it signs with the server's configured signing key
    (auth.signing_key, certs/jwt-dev-private.pem) and its first key's kid.

    OPTIONS:
      --sub ID           the client's identity (account id)
      --role ROLE        a role from the policy files (repeatable)
      --ttl DURATION     lifetime: 90s, 30m, 8h, 7d (default 8h)
      --channels LIST    comma-separated channel patterns that narrow the roles
      --config FILE      server configuration to take keys, issuer, audience and policies from
      --key FILE         private key (PEM) or HS256 secret file to sign with
      --kid KID          key id for the token header
      --alg ALG          ES256 (default), RS256 or HS256
      --policies DIR     policy directory for the role check (default policies)
      --iss, --aud       issuer and audience claims (default: from the configuration)
      --jti ID           token id (default: random)
      -h, --help         show this help
    """

    static func run(_ arguments: [String]) -> Int32 {
        if let status = CommandOutput.subcommand("issue", of: "streamd token", in: arguments, help: help) { return status }
        var configuration = ServerConfiguration()
        var reader = ArgumentReader(Array(arguments.dropFirst()))
        var subject: String?, roles: [String] = [], ttl: Int64 = 8 * 3600, channels: [String]?
        var keyPath: String?, kid: String?, algorithm = JWTAlgorithm.es256, policies: String?
        var issuer: String?, audience: String?, jti: String?
        return CommandOutput.running("streamd token issue", help: help) {
            if let index = arguments.firstIndex(of: "--config"), index + 1 < arguments.count {
                configuration = try ConfigurationFile.load(arguments[index + 1])
            }
            while let flag = reader.nextFlag() {
                switch flag {
                case "-h", "--help": print(help); return 0
                case "--sub": subject = try reader.value(for: flag)
                case "--role": roles.append(try reader.value(for: flag))
                case "--ttl": ttl = try Duration.parse(try reader.value(for: flag))
                case "--channels": channels = try reader.value(for: flag).split(separator: ",").map(String.init)
                case "--config": _ = try reader.value(for: flag)
                case "--key": keyPath = try reader.value(for: flag)
                case "--kid": kid = try reader.value(for: flag)
                case "--alg":
                    let text = try reader.value(for: flag)
                    guard let parsed = JWTAlgorithm(rawValue: text.uppercased()) else { throw ArgumentReader.UsageError("--alg must be ES256, RS256 or HS256") }
                    algorithm = parsed
                case "--policies": policies = try reader.value(for: flag)
                case "--iss": issuer = try reader.value(for: flag)
                case "--aud": audience = try reader.value(for: flag)
                case "--jti": jti = try reader.value(for: flag)
                default: throw ArgumentReader.UsageError("unknown option \(flag)")
                }
            }
            guard let subject, !subject.isEmpty else { throw ArgumentReader.UsageError("--sub is required") }
            guard !roles.isEmpty else { throw ArgumentReader.UsageError("at least one --role is required") }
            let policyDirectory = policies ?? configuration.policyDirectory
            let policy = try PolicySet.load(directory: policyDirectory)
            for role in roles where !policy.roleNames.contains(role) {
                throw ArgumentReader.UsageError("unknown role '\(role)'; roles in \(policyDirectory): \(policy.roleNames.sorted().joined(separator: ", "))")
            }
            let signingKey = keyPath ?? configuration.auth.signingKey
            guard FileManager.default.fileExists(atPath: signingKey) else {
                throw ArgumentReader.UsageError("signing key \(signingKey) does not exist; create one with `streamd keys generate --kid KID`, or start `streamd serve` once to create the dev key")
            }
            let keyID = kid ?? configuration.auth.keys.first?.kid ?? "dev"
            let issuerObject = try TokenIssuer(kid: keyID, algorithm: algorithm, privateKeyPath: signingKey)
            let token = try issuerObject.issue(
                subject: subject, roles: roles, channels: channels, ttlSeconds: ttl,
                now: Int64(Date().timeIntervalSince1970), issuer: issuer ?? configuration.auth.issuer,
                audience: audience ?? configuration.auth.audience, tokenID: jti)
            print(token)
            return 0
        }
    }
}

/// "90s", "30m", "8h", "7d" or plain seconds.
enum Duration {
    static func parse(_ text: String) throws -> Int64 {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var digits = text
        var unit: Int64 = 1
        if let last = text.last, let factor = units[last] {
            digits = String(text.dropLast())
            unit = factor
        }
        guard let value = Int64(digits), value > 0 else {
            throw ArgumentReader.UsageError("durations look like 90s, 30m, 8h or 7d (got '\(text)')")
        }
        return value * unit
    }
}
