/// Every system under `topology/`. Each system is a namespace of its own: it runs in a RabbitMQ
/// virtual host and a PostgreSQL database of its own, so two systems may both have a `payment`
/// context. Name lookups (`context(named:)`, `message(_:)`, `rpc(_:)`) are meant for a fleet of
/// one system (`System.fleet`); the validator and the loader work system by system.
public struct Fleet: Sendable {
    public var systems: [System]

    public init(systems: [System]) {
        self.systems = systems
    }

    public var contexts: [Context] { systems.flatMap(\.contexts) }

    public func system(named name: String) -> System? {
        systems.first { $0.name == name }
    }

    /// The context that owns a name, by the `<context>.` prefix every owned name carries.
    public func context(named name: String) -> Context? {
        contexts.first { $0.name == name }
    }

    /// The message whose wire type is `type` (`<context>.<MessageName>`).
    public func message(_ type: String) -> Message? {
        guard let (context, _) = Naming.split(type) else { return nil }
        return self.context(named: context)?.message(type)
    }

    public var exchanges: [Exchange] { contexts.flatMap(\.exchanges) }
    public var queues: [Queue] { contexts.flatMap(\.queues) }

    /// The one system a broker- or database-facing command works on: `name` when given, else
    /// the only system there is. Several systems and no name is a problem naming them, since
    /// each lives in its own virtual host and database.
    public func namespace(_ name: String?) throws(NamespaceProblem) -> System {
        if let name {
            guard let system = system(named: name) else {
                throw NamespaceProblem(description: "no system `\(name)` in the topology; there are: \(systems.map(\.name).joined(separator: ", "))")
            }
            return system
        }
        guard systems.count == 1, let only = systems.first else {
            throw NamespaceProblem(description: systems.isEmpty
                ? "the topology holds no system"
                : "the topology holds \(systems.count) systems (\(systems.map(\.name).joined(separator: ", "))), each in a vhost and database of its own: name one with --system")
        }
        return only
    }

    /// The systems whose contexts handle or publish `type`: for a tool that is given a message
    /// type and must find the namespace it belongs to.
    public func systems(declaring type: String) -> [System] {
        systems.filter { $0.fleet.message(type) != nil || $0.fleet.rpc(type) != nil }
    }
}

public struct NamespaceProblem: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// One business system: the bounded contexts in `topology/<system>/` and their HTTP gateway.
public struct System: Sendable {
    public var name: String
    public var contexts: [Context]
    public var gateway: Gateway?
    /// Contexts whose files could not be read (YAML syntax errors): references to them are
    /// not reported again, the syntax error is the problem.
    public var unreadable: [String]

    public init(name: String, contexts: [Context], gateway: Gateway?, unreadable: [String] = []) {
        self.name = name
        self.contexts = contexts
        self.gateway = gateway
        self.unreadable = unreadable
    }

    /// Keeps only this system, for exporters asked about one `--system`.
    public var fleet: Fleet { Fleet(systems: [self]) }
}
