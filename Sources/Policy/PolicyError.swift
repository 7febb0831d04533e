/// A problem in the policy files, worded for the operator who has to fix it:
/// which file, which field (a path like `roles.trader.subscribe[2]`), and what
/// is wrong with it.
///
/// Loading is all-or-nothing: the first problem found stops the load, so a
/// half-valid policy never takes effect (on reload the server keeps the old one).
public struct PolicyError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file as it was named to the loader (e.g. `policies/roles.json`), or
    /// the directory when the problem is the directory itself.
    public let file: String
    /// Path to the offending value; empty when the problem concerns the whole file.
    public let field: String
    public let problem: String

    /// `policies/roles.json: roles.trader.subscribe[2]: "tick:**" is not a valid channel pattern (...)`
    public var description: String {
        field.isEmpty ? "\(file): \(problem)" : "\(file): \(field): \(problem)"
    }
}
