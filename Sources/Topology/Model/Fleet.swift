/// Every system under `topology/`: the unit `warren topology check` validates as a whole,
/// because all systems share one RabbitMQ virtual host and so one namespace.
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
