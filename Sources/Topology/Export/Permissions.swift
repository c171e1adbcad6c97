/// Least-privilege broker users: one per context (and one per system's ingress), with
/// configure/write/read patterns naming exactly the objects it needs.
///
/// What RabbitMQ checks (AMQP 0-9-1, access-control guide):
/// - `exchange.declare`, `queue.declare`: configure on the object; a queue declared with a
///   dead-letter exchange also needs write on that exchange and read on the queue;
/// - `queue.bind`: write on the queue, read on the exchange;
/// - `basic.publish`: write on the exchange, the default exchange being `amq.default`;
/// - `basic.consume`, `basic.get`, `queue.purge`: read on the queue.
///
/// So a context gets configure on its own exchanges and queues; write on its own exchanges (it
/// publishes events, retries and dead letters there), its own queues (to bind them), and the
/// commands exchanges it sends commands or RPC requests to; read on its own queues and every
/// exchange its queues are bound to. An RPC server also gets write on `amq.default`, because
/// replies go to `reply_to` through the default exchange; RabbitMQ cannot narrow that by
/// routing key, so only servers get it. Callers get read on `amq.rabbitmq.reply-to` for direct
/// reply-to (harmless where the broker does not check the pseudo-queue).
public struct Grant: Hashable, Sendable {
    public var user: String
    public var context: String?
    public var configure: String
    public var write: String
    public var read: String

    public init(user: String, context: String?, configure: String, write: String, read: String) {
        self.user = user
        self.context = context
        self.configure = configure
        self.write = write
        self.read = read
    }
}

public enum Permissions {
    public static let defaultExchange = "amq.default"
    public static let directReplyTo = "amq.rabbitmq.reply-to"

    /// The broker user of a context: `<system>.<context>`.
    public static func user(of context: Context) -> String { "\(context.system).\(context.name)" }

    /// One grant per context, then one per system with a gateway, sorted by user; each system
    /// resolves its names in its own namespace (it has a vhost of its own).
    public static func grants(for fleet: Fleet) -> [Grant] {
        fleet.systems.sorted { $0.name < $1.name }.flatMap { grants(namespace: $0.fleet) }
    }

    private static func grants(namespace fleet: Fleet) -> [Grant] {
        var grants: [Grant] = []
        for context in fleet.contexts.sorted(by: { $0.name < $1.name }) {
            let own = context.exchanges.map(\.name) + context.queues.map(\.name)
            var write = context.exchanges.map(\.name) + context.queues.map(\.name)
            for publication in context.publications(in: fleet) where !publication.exchange.isEmpty {
                write.append(publication.exchange)
            }
            // An RPC server answers, and so does a context taking commands (the ingress and
            // `warren send` wait for the outcome): replies go to `reply_to` through the default
            // exchange.
            if !context.rpcs.isEmpty || !context.commands.isEmpty { write.append(defaultExchange) }
            var read = context.queues.map(\.name) + context.queues.flatMap { $0.bindings.map(\.exchange) }
            if !context.calls.isEmpty { read.append(directReplyTo) }
            grants.append(Grant(user: user(of: context), context: context.name,
                                configure: pattern(own), write: pattern(write), read: pattern(read)))
        }
        for system in fleet.systems.sorted(by: { $0.name < $1.name }) {
            guard let gateway = system.gateway else { continue }
            var write: [String] = []
            for route in gateway.routes {
                switch route.target {
                case .command(let type), .rpc(let type):
                    if let message = fleet.message(type), !message.exchange.isEmpty { write.append(message.exchange) }
                case .view: break
                }
            }
            grants.append(Grant(user: "\(system.name).ingress", context: nil, configure: pattern([]),
                                write: pattern(write), read: pattern(write.isEmpty ? [] : [directReplyTo])))
        }
        return grants
    }

    /// `^(a|b|c)$` over the escaped, deduplicated, sorted names; `^$` (nothing) when empty.
    public static func pattern(_ names: [String]) -> String {
        let unique = Array(Set(names)).sorted()
        guard !unique.isEmpty else { return "^$" }
        return "^(" + unique.map(escape).joined(separator: "|") + ")$"
    }

    /// Escapes regular-expression metacharacters (names only hold `.` and `-` by convention).
    static func escape(_ name: String) -> String {
        var out = ""
        for character in name {
            if "\\^$.|?*+()[]{}".contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
