/// One bounded context: one worker process, one topology file, one broker user.
///
/// The loader resolves derived defaults, so `exchanges` and `queues` hold everything the broker
/// must have for this context, written or implied (`derived` tells them apart).
public struct Context: Sendable {
    public var name: String
    public var system: String
    public var description: String?
    /// Where `context:` is written: the file every problem about the context points to.
    public var location: SourceLocation
    /// Where the context keeps its state (`store:`): PostgreSQL, or an embedded SQLite file.
    public var store: Store = .postgres

    /// A context's database engine. An embedded store lives in one process's file: the
    /// context runs one active consumer per queue, and the ingress cannot read its views.
    public enum Store: String, Sendable, CaseIterable {
        case postgres, sqlite

        public var isProcessLocal: Bool { self == .sqlite }
    }

    public var exchanges: [Exchange]
    public var queues: [Queue]
    /// Every message type this context owns: its events, the commands it accepts, its RPC
    /// requests and replies.
    public var messages: [Message]
    public var rpcs: [RPCEndpoint]
    /// Commands of other contexts this one publishes.
    public var sends: [MessageReference]
    /// RPCs this context calls.
    public var calls: [MessageReference]
    /// Read models the gateway may serve.
    public var views: [View]

    public init(
        name: String, system: String, description: String? = nil, location: SourceLocation,
        exchanges: [Exchange] = [], queues: [Queue] = [], messages: [Message] = [],
        rpcs: [RPCEndpoint] = [], sends: [MessageReference] = [], calls: [MessageReference] = [],
        views: [View] = []
    ) {
        self.name = name
        self.system = system
        self.description = description
        self.location = location
        self.exchanges = exchanges
        self.queues = queues
        self.messages = messages
        self.rpcs = rpcs
        self.sends = sends
        self.calls = calls
        self.views = views
    }

    public func message(_ type: String) -> Message? { messages.first { $0.type == type } }
    public func exchange(_ name: String) -> Exchange? { exchanges.first { $0.name == name } }
    public func queue(_ name: String) -> Queue? { queues.first { $0.name == name } }
    public func view(_ name: String) -> View? { views.first { $0.name == name } }

    public var events: [Message] { messages.filter { $0.kind == .event } }
    public var commands: [Message] { messages.filter { $0.kind == .command } }

    /// Exchange names of this context's conventional exchanges.
    public var eventsExchange: String { "\(name).events" }
    public var commandsExchange: String { "\(name).commands" }
    public var deadLetterExchange: String { "\(name).dead" }
    public var retryExchange: String { "\(name).retry" }
    public var requeueExchange: String { "\(name).requeue" }
    public var deadLetterQueue: String { "\(name).dead" }
    public var rpcQueue: String { "\(name).rpc" }

    /// Wire types this context publishes, with the exchange each goes to: its events, the
    /// commands it sends, the RPC requests it makes and their compensations.
    public func publications(in fleet: Fleet) -> [Publication] {
        var result = events.map { Publication(type: $0.type, exchange: $0.exchange, location: $0.location) }
        for reference in sends {
            let exchange = fleet.message(reference.type)?.exchange ?? Naming.split(reference.type).map { "\($0.0).commands" } ?? ""
            result.append(Publication(type: reference.type, exchange: exchange, location: reference.location))
        }
        for reference in calls {
            guard let rpc = fleet.rpc(reference.type) else { continue }
            result.append(Publication(type: rpc.request.type, exchange: rpc.request.exchange, location: reference.location))
            if let compensation = rpc.compensation, let message = fleet.message(compensation) {
                result.append(Publication(type: message.type, exchange: message.exchange, location: reference.location))
            }
        }
        return result
    }
}

/// A message type published to an exchange, with the routing key equal to the type.
public struct Publication: Hashable, Sendable {
    public var type: String
    public var exchange: String
    public var location: SourceLocation
    public var routingKey: String { type }
}

/// A mention of a message or RPC by its wire type, kept with where it was written.
public struct MessageReference: Hashable, Sendable {
    public var type: String
    public var location: SourceLocation

    public init(_ type: String, at location: SourceLocation) {
        self.type = type
        self.location = location
    }
}

/// A read model a context maintains in its own schema, served by the gateway.
public struct View: Sendable {
    public var name: String
    public var context: String
    public var key: String?
    public var fields: [Field]
    public var location: SourceLocation

    public init(name: String, context: String, key: String?, fields: [Field], location: SourceLocation) {
        self.name = name
        self.context = context
        self.key = key
        self.fields = fields
        self.location = location
    }

    /// `<context>.<viewName>`, the way the gateway names it.
    public var qualifiedName: String { "\(context).\(name)" }
}

extension Fleet {
    /// The one RPC endpoint whose request type is `type`.
    public func rpc(_ type: String) -> RPCEndpoint? {
        contexts.lazy.flatMap(\.rpcs).first { $0.request.type == type }
    }
}
