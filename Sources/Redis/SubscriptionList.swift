/// Channel or pattern names in the order they were added, with set lookups,
/// so a server subscribed to thousands of channels edits its list in linear
/// time.
struct SubscriptionList {
    private(set) var names: [String] = []
    private var members: Set<String> = []

    var isEmpty: Bool { names.isEmpty }

    /// Adds the names not yet present; returns those, in order, once each.
    mutating func add(_ candidates: [String]) -> [String] {
        var fresh: [String] = []
        for name in candidates where members.insert(name).inserted { fresh.append(name) }
        names += fresh
        return fresh
    }

    mutating func remove(_ candidates: [String]) {
        let leaving = Set(candidates).intersection(members)
        guard !leaving.isEmpty else { return }
        members.subtract(leaving)
        names.removeAll { leaving.contains($0) }
    }
}
