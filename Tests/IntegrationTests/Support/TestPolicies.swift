/// Policy files the integration tests run with, independent of the shipped
/// examples (which have their own test in PolicyTests).
enum TestPolicies {
    static let roles = """
    {
      "roles": {
        "trader": {
          "subscribe": ["tick:*", "signal:*", "idea:*", "order:{sub}", "payload:{sub}"],
          "publish": [],
          "rate_limit": {"messages_per_second": 50, "burst": 100},
          "max_connections": 3
        },
        "viewer": {"subscribe": ["tick:*"], "publish": []},
        "producer": {
          "subscribe": [],
          "publish": ["tick:*", "signal:*", "idea:*", "order:*", "payload:*"],
          "rate_limit": {"messages_per_second": 100000, "burst": 100000}
        },
        "slow": {"subscribe": ["tick:*"], "publish": [], "rate_limit": {"messages_per_second": 1, "burst": 3}}
      }
    }
    """

    static let limits = """
    {
      "connection": {"attempts_per_minute_per_address": 0},
      "origins": ["https://dashboard.example"],
      "defaults": {"rate_limit": {"messages_per_second": 50, "burst": 100}, "max_connections": 10},
      "disabled_clients": ["acct-banned"]
    }
    """

    static let standard = ["roles.json": roles, "limits.json": limits]

    /// The standard set with some connection settings changed.
    static func with(attemptsPerMinute: Int) -> [String: String] {
        ["roles.json": roles, "limits.json": limits.replacingOccurrences(
            of: #""attempts_per_minute_per_address": 0"#, with: #""attempts_per_minute_per_address": \#(attemptsPerMinute)"#)]
    }
}
