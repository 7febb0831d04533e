/// Resolves `includes`: a role's patterns are its own plus those of every role
/// it includes, transitively. Only patterns are inherited; `rate_limit` and
/// `max_connections` belong to the role that states them, so including
/// `viewer` never changes an admin's limits behind the author's back.
struct RoleFlattener {
    typealias Definitions = [String: (definition: PolicyDocument.RoleDefinition, file: String)]
    let definitions: Definitions
    private var done: [String: PolicySet.Role] = [:]

    init(definitions: Definitions) {
        self.definitions = definitions
    }

    mutating func flattenAll() throws(PolicyError) -> [String: PolicySet.Role] {
        // Sorted so that, of several problems, the same one is always reported.
        for name in definitions.keys.sorted() {
            _ = try flatten(name, path: [])
        }
        return done
    }

    private mutating func flatten(_ name: String, path: [String]) throws(PolicyError) -> PolicySet.Role {
        if let role = done[name] { return role }
        let (definition, file) = definitions[name]!
        var subscribe = definition.subscribe
        var publish = definition.publish
        for (included, field) in definition.includes {
            guard definitions[included] != nil else {
                let known = definitions.keys.sorted().joined(separator: ", ")
                throw PolicyError(file: file, field: field, problem: "unknown role \(String(reflecting: included)) (defined roles: \(known))")
            }
            if included == name || path.contains(included) {
                let cycle = (path + [name, included]).drop { $0 != included }.joined(separator: " -> ")
                throw PolicyError(file: file, field: field, problem: "includes form a cycle: \(cycle)")
            }
            let role = try flatten(included, path: path + [name])
            subscribe.append(contentsOf: role.subscribe)
            publish.append(contentsOf: role.publish)
        }
        let role = PolicySet.Role(
            subscribe: Self.unique(subscribe),
            publish: Self.unique(publish),
            rateLimit: definition.rateLimit,
            maxConnections: definition.maxConnections
        )
        done[name] = role
        return role
    }

    private static func unique(_ patterns: [ChannelPattern]) -> [ChannelPattern] {
        var seen = Set<ChannelPattern>()
        return patterns.filter { seen.insert($0).inserted }
    }
}
