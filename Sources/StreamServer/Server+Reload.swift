import Audit
import Auth
import Foundation
import NetCore
import Policy

/// Policy, key and revocation reloads: on SIGHUP (the executable calls
/// `reloadAccessRules`) and when a watched file changes. A bad file keeps the
/// old rules in force and says why; live sessions are re-checked on their loops.
extension Server {
    /// Returns nil on success, else the problem (also logged and audited).
    @discardableResult
    public func reloadAccessRules(trigger: String) -> String? {
        let configuration = state.configuration
        let result: Result<(TokenVerifier, PolicySet, Set<String>), Error> = Result {
            let verifier = try Server.loadVerifier(configuration.auth)
            let policy = try PolicySet.load(directory: configuration.policyDirectory)
            let revoked = try configuration.auth.revocationFile.map { try RevocationList.load(path: $0) } ?? []
            return (verifier, policy, revoked)
        }
        switch result {
        case .failure(let error):
            let problem = "\(error)"
            state.logger.error("reload failed; the previous policy stays in force", ["trigger": .string(trigger), "error": .string(problem)])
            state.audit.record(AuditEvent(event: "policy_reload", outcome: "failed", reason: "invalid_policy",
                                          details: [("trigger", .string(trigger)), ("error", .string(problem))]))
            return problem
        case .success(let (verifier, policy, revoked)):
            let snapshot = state.access.replace(verifier: verifier, policy: policy)
            state.logger.info("access rules reloaded", [
                "trigger": .string(trigger), "policies": .string(policy.files.joined(separator: ",")),
                "generation": .int(snapshot.generation),
            ])
            state.audit.record(AuditEvent(event: "policy_reload", outcome: "ok", details: [
                ("trigger", .string(trigger)), ("generation", .int(Int64(snapshot.generation))),
                ("files", .string(policy.files.joined(separator: ","))),
            ]))
            for context in loopContexts {
                let box = UncheckedBox(context)
                context.loop.execute {
                    for connection in box.value.connections { connection.reevaluate(with: snapshot, revoked: revoked) }
                }
            }
            return nil
        }
    }

    /// Polls the policy directory, key files and revocation file every
    /// `interval` seconds; a change in any file's size or mtime triggers a reload.
    public func watchAccessRules(interval: Double = 1) {
        let thread = Thread { [weak self] in
            var last = self?.accessRulesFingerprint() ?? ""
            while let server = self, !Thread.current.isCancelled {
                Thread.sleep(forTimeInterval: interval)
                let now = server.accessRulesFingerprint()
                if now != last {
                    last = now
                    server.reloadAccessRules(trigger: "file_change")
                }
            }
        }
        thread.name = "streamd-watch"
        thread.start()
        setWatcher(thread)
    }

    func accessRulesFingerprint() -> String {
        let configuration = state.configuration
        let files = FileManager.default
        var paths = configuration.auth.keys.map(\.path)
        if let revocation = configuration.auth.revocationFile { paths.append(revocation) }
        if let entries = try? files.contentsOfDirectory(atPath: configuration.policyDirectory) {
            paths += entries.filter { $0.hasSuffix(".json") }.sorted().map { (configuration.policyDirectory as NSString).appendingPathComponent($0) }
        }
        return paths.map { path -> String in
            guard let attributes = try? files.attributesOfItem(atPath: path) else { return "\(path):absent" }
            let size = (attributes[.size] as? NSNumber)?.intValue ?? -1
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(path):\(size):\(modified)"
        }.joined(separator: "|")
    }
}
