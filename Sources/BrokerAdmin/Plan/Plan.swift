/// What `apply` would do, object by object, and why it may refuse: the result of comparing the
/// topology with the broker, made before anything is declared. Pure: no I/O, so it is tested
/// without a broker and printed the same by `--dry-run` and a real run.
public struct Plan: Sendable {
    public enum Kind: String, Sendable {
        case exchange, queue, binding
    }

    public enum Status: Sendable, Equatable {
        /// Not on the broker: apply declares it.
        case missing
        /// On the broker with the same properties.
        case unchanged
        /// On the broker with other properties: apply refuses to run.
        case inequivalent([Difference])
        /// Cannot be observed this way (bindings without the management API): declared again,
        /// which is harmless when it exists.
        case unobserved
    }

    public struct Entry: Sendable {
        public var kind: Kind
        public var name: String
        /// `(quorum, x-dead-letter-exchange: payment.dead, ...)`, shown when it is created.
        public var summary: String
        public var file: String
        public var status: Status
    }

    public var entries: [Entry]
    /// Objects with a topology context's prefix that the topology does not declare; left alone.
    public var unmanaged: [String]
    /// How the broker was observed: `management API at http://guest@host:15672`, or passive declares.
    public var source: String
    public var virtualHost: String

    public init(entries: [Entry], unmanaged: [String] = [], source: String, virtualHost: String) {
        self.entries = entries
        self.unmanaged = unmanaged
        self.source = source
        self.virtualHost = virtualHost
    }

    public var conflicts: [Entry] { entries.filter { if case .inequivalent = $0.status { true } else { false } } }
    public var missing: [Entry] { entries.filter { $0.status == .missing } }
    /// True when applying would change nothing on the broker.
    public var isNoChange: Bool { conflicts.isEmpty && missing.isEmpty }

    /// The diff as printed: `+` to declare, `!` inequivalent with both sides and the way out,
    /// `~` declared again unobserved, `?` on the broker only, `=` a count of unchanged objects.
    public var lines: [String] {
        var lines: [String] = []
        for entry in entries {
            switch entry.status {
            case .missing:
                lines.append("+ \(entry.kind) \(entry.name)\(entry.summary.isEmpty ? "" : " \(entry.summary)")")
            case .inequivalent(let differences):
                for difference in differences {
                    lines.append("! \(entry.kind) \(entry.name): \(difference.sentence(file: entry.file))")
                }
                lines.append("    way out: \(wayOut(entry))")
            case .unchanged, .unobserved:
                break
            }
        }
        for name in unmanaged {
            lines.append("? \(name) is on the broker but not in the topology (left alone)")
        }
        let unobserved = entries.filter { $0.status == .unobserved }
        if !unobserved.isEmpty {
            lines.append("~ \(count(unobserved.count, "binding")) declared again (idempotent; listing bindings needs the management API)")
        }
        let unchanged = Kind.allCases.compactMap { kind -> String? in
            let n = entries.filter { $0.kind == kind && $0.status == .unchanged }.count
            return n == 0 ? nil : count(n, kind.rawValue)
        }
        if !unchanged.isEmpty { lines.append("= \(unchanged.joined(separator: ", ")) unchanged") }
        return lines
    }

    /// The one-line verdict after the diff.
    public var verdict: String {
        if !conflicts.isEmpty {
            return "\(count(conflicts.count, "object")) inequivalent on the broker: nothing declared."
        }
        if isNoChange { return "no change" }
        return "\(count(missing.count, "object")) to declare"
    }

    func wayOut(_ entry: Entry) -> String {
        let inVhost = virtualHost == "/" ? "" : " -p '\(virtualHost)'"
        let adminVhost = virtualHost == "/" ? "" : " -V '\(virtualHost)'"
        switch entry.kind {
        case .queue:
            return "drain queue \(entry.name) (let its consumers empty it), delete it (`rabbitmqctl delete_queue\(inVhost) \(entry.name)`), then apply again; or change \(entry.file) to match the broker."
        case .exchange:
            return "delete exchange \(entry.name) (`rabbitmqadmin\(adminVhost) delete exchange name=\(entry.name)`; apply declares it and its bindings again); or change \(entry.file) to match the broker."
        case .binding:
            return "unbind it on the broker, or change \(entry.file)."
        }
    }

    private func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
}

extension Plan.Kind: CaseIterable, CustomStringConvertible {
    public var description: String { rawValue }
}

/// One property that differs between the broker and the topology; nil is "not set".
public struct Difference: Sendable, Hashable {
    public var property: String
    public var broker: String?
    public var topology: String?

    public init(property: String, broker: String?, topology: String?) {
        self.property = property
        self.broker = broker
        self.topology = topology
    }

    /// `x-queue-type is classic on the broker, quorum in topology/cleaning/payment.yaml`.
    public func sentence(file: String) -> String {
        let onBroker = broker.map { "is \($0) on the broker" } ?? "is not set on the broker"
        let inFile = topology.map { "\($0) in \(file)" } ?? "not set in \(file)"
        return "\(property) \(onBroker), \(inFile)"
    }
}
