import Foundation
import GRDB
import Warren

/// A bounded context whose state is an embedded SQLite file (`store: sqlite` in its topology):
/// its tables' migrations and a handler per message type, each running synchronously inside the
/// delivery's SQLite transaction on the store's writer thread. `EmbeddedApplication` runs it.
public struct EmbeddedContext: Sendable {
    public var name: String { declaration.name }
    public var system: String { declaration.system }
    /// The context's own tables, applied in version order once per file.
    public var migrations: [Migration]
    /// The handled types as the broker side sees them (admission, the handler check); their
    /// bodies refuse to run anywhere but here.
    package private(set) var declaration: BoundedContext
    private(set) var handlers: [String: EmbeddedHandler] = [:]

    public init(_ name: String, system: String, migrations: [Migration] = []) {
        self.declaration = BoundedContext(name, system: system)
        self.migrations = migrations
    }

    /// Registers the handler of one message type. What it publishes through `handling` is
    /// written to the outbox in the same SQLite transaction and sent after the commit.
    public mutating func on<M: Message>(_ type: M.Type, _ body: @escaping @Sendable (M, EmbeddedHandling) throws -> Void) {
        let context = name
        declaration.on(M.self) { _, _ in throw Self.notHere(M.type, context) }
        handlers[M.type] = EmbeddedHandler { data in
            let message = try Self.decode(M.self, data)
            return { handling in try body(message, handling) }
        }
    }

    /// Serves an RPC endpoint; the reply is stored in the inbox with the effects, so a retried
    /// request gets the same reply. Domain refusals belong in the reply, not in a thrown error.
    public mutating func serve<R: RPCRequest>(_ type: R.Type, _ body: @escaping @Sendable (R, EmbeddedHandling) throws -> R.Reply) {
        let context = name
        declaration.serve(R.self) { _, _ in throw Self.notHere(R.type, context) }
        handlers[R.type] = EmbeddedHandler { data in
            let request = try Self.decode(R.self, data)
            return { handling in
                let reply = try body(request, handling)
                handling.setReply(type: R.Reply.type, body: try JSONEncoder.warren.encode(reply))
            }
        }
    }

    func handler(for type: String) -> EmbeddedHandler? { handlers[type] }

    private static func decode<M: Message>(_ type: M.Type, _ data: Data) throws -> M {
        do {
            return try JSONDecoder.warren.decode(M.self, from: data)
        } catch {
            throw PermanentFailure(.undecodableBody, "the body does not decode as \(M.self): \(error)")
        }
    }

    private static func notHere(_ type: String, _ context: String) -> PermanentFailure {
        PermanentFailure(.topologyViolation, "\(type) is handled in \(context)'s embedded SQLite store: run it with WarrenEmbedded, not on PostgreSQL")
    }
}

/// A registered handler: `prepare` decodes the body and returns what runs in the transaction.
struct EmbeddedHandler: Sendable {
    let prepare: @Sendable (Data) throws -> @Sendable (EmbeddedHandling) throws -> Void
}
