import Foundation

extension PolicySet {
    /// Files larger than this are refused: a policy is a few kilobytes, and a
    /// runaway file should not be read into memory on every reload.
    static let maxFileBytes = 4 << 20

    /// Loads every `*.json` file directly in `directory`, in byte-wise sorted
    /// file-name order. Names starting with `.` are skipped (editor swap and
    /// backup files); other files (README.md) are ignored.
    public static func load(directory: String) throws(PolicyError) -> PolicySet {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw PolicyError(file: directory, field: "", problem: "not a directory")
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw PolicyError(file: directory, field: "", problem: "cannot list the directory: \(error.localizedDescription)")
        }
        let policyNames = names
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        guard !policyNames.isEmpty else {
            throw PolicyError(file: directory, field: "", problem: "no policy files (*.json) in the directory")
        }
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        return try load(files: policyNames.map { base + $0 })
    }

    /// Loads and merges `files` in the given order.
    public static func load(files: [String]) throws(PolicyError) -> PolicySet {
        var documents: [PolicyDocument] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw PolicyError(file: file, field: "", problem: "cannot read the file")
            }
            guard data.count <= maxFileBytes else {
                throw PolicyError(file: file, field: "", problem: "\(data.count) bytes; a policy file may be at most \(maxFileBytes)")
            }
            documents.append(try PolicyDocument(file: file, bytes: [UInt8](data)))
        }
        return try merge(documents, files: files)
    }

    /// Parses policy text without touching the file system; `name` stands in
    /// for the file name in errors. For tests and embedded policies.
    public static func parse(documents: [(name: String, json: String)]) throws(PolicyError) -> PolicySet {
        var parsed: [PolicyDocument] = []
        for (name, json) in documents {
            parsed.append(try PolicyDocument(file: name, bytes: Array(json.utf8)))
        }
        return try merge(parsed, files: documents.map(\.name))
    }

    /// Merges documents in order. Roles and clients are defined once across
    /// all files; `connection` and `defaults` settings are set at most once;
    /// `origins` and `disabled_clients` are unions. Any clash is an error
    /// naming both files, because "last file wins" would make the effective
    /// policy depend on file names nobody thinks of as significant.
    static func merge(_ documents: [PolicyDocument], files: [String]) throws(PolicyError) -> PolicySet {
        guard !documents.isEmpty else { throw PolicyError(file: "(none)", field: "", problem: "no policy files") }
        var roleDefinitions: [String: (definition: PolicyDocument.RoleDefinition, file: String)] = [:]
        var clients: [String: (override: ClientOverride, file: String)] = [:]
        var disabled = Set<String>()
        var origins = OriginAllowlist()
        var attempts: (value: Int, file: String)?
        var rate: (value: RateLimit, file: String)?
        var maxConnections: (value: Int, file: String)?

        func once<T>(_ slot: inout (value: T, file: String)?, _ value: T?, _ document: PolicyDocument, _ field: String) throws(PolicyError) {
            guard let value else { return }
            if let earlier = slot {
                throw PolicyError(file: document.file, field: field, problem: "also set in \(earlier.file); set it in one file only")
            }
            slot = (value, document.file)
        }

        for document in documents {
            for (name, definition) in document.roles {
                if let earlier = roleDefinitions[name] {
                    throw PolicyError(file: document.file, field: "roles.\(name)", problem: "role \"\(name)\" is also defined in \(earlier.file)")
                }
                roleDefinitions[name] = (definition, document.file)
            }
            for (subject, override) in document.clients {
                if let earlier = clients[subject] {
                    throw PolicyError(file: document.file, field: "clients.\(subject)", problem: "client \"\(subject)\" is also defined in \(earlier.file)")
                }
                clients[subject] = (override, document.file)
            }
            disabled.formUnion(document.disabledClients)
            for (entry, field) in document.origins {
                if let problem = origins.add(entry) { throw PolicyError(file: document.file, field: field, problem: problem) }
            }
            try once(&attempts, document.attemptsPerMinute, document, "connection.attempts_per_minute_per_address")
            try once(&rate, document.defaultRateLimit, document, "defaults.rate_limit")
            try once(&maxConnections, document.defaultMaxConnections, document, "defaults.max_connections")
        }

        var flattener = RoleFlattener(definitions: roleDefinitions)
        let roles = try flattener.flattenAll()
        return PolicySet(
            files: files,
            roles: roles,
            clients: clients.mapValues(\.override),
            disabledClients: disabled,
            origins: origins,
            defaultRateLimit: rate?.value ?? .builtInDefault,
            defaultMaxConnections: maxConnections?.value ?? builtInMaxConnections,
            attemptsPerMinute: attempts?.value ?? builtInAttemptsPerMinute
        )
    }
}
