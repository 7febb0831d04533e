import Base
import Foundation
import StreamServer

/// Reads the JSON configuration file; errors name the file and the field.
enum ConfigurationFile {
    struct ConfigurationError: Error, CustomStringConvertible {
        let description: String
    }

    static func load(_ path: String) throws -> ServerConfiguration {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigurationError(description: "configuration file \(path) does not exist")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(description: "configuration file \(path) cannot be read (check its permissions)")
        }
        let root: JSONValue
        do {
            root = try JSONReader.parse(Array(data), maximumDepth: JSONReader.defaultMaximumDepth, allowingByteOrderMark: true)
        } catch {
            throw ConfigurationError(description: "\(path): not valid JSON: \(error)")
        }
        do {
            return try ServerConfiguration(from: JSONValueDecoder(root))
        } catch let DecodingError.typeMismatch(type, context) {
            throw ConfigurationError(description: "\(path): field \(fieldPath(context)) should be \(type)")
        } catch let DecodingError.dataCorrupted(context) {
            throw ConfigurationError(description: "\(path): \(context.codingPath.isEmpty ? "not valid JSON" : "field \(fieldPath(context)) is invalid"): \(context.debugDescription)")
        } catch {
            throw ConfigurationError(description: "\(path): \(error)")
        }
    }

    private static func fieldPath(_ context: DecodingError.Context) -> String {
        context.codingPath.map(\.stringValue).joined(separator: ".")
    }
}
