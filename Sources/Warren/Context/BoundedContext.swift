import Foundation

/// A bounded context as plain Swift: its name, its schema's migrations and a handler per message
/// type it consumes. `warren worker <name>` runs it; its topology file says where messages come from.
public struct BoundedContext: Sendable {
    public let name: String
    public let system: String
    /// The context's own tables, applied in version order once per database (see `ContextSchema`).
    public var migrations: [Migration]
    private(set) var handlers: [String: Handler] = [:]

    public init(_ name: String, system: String, migrations: [Migration] = []) {
        self.name = name
        self.system = system
        self.migrations = migrations
    }

    /// Registers the handler of one message type. It runs inside the delivery's database
    /// transaction; what it publishes through `handling` is sent only if that transaction commits.
    public mutating func on<M: Message>(_ type: M.Type, _ body: @escaping @Sendable (M, Handling) async throws -> Void) {
        handlers[M.type] = Handler(type: M.type, kind: .message) { data, _ in
            let message = try Self.decode(M.self, data)
            return { handling in try await body(message, handling) }
        }
    }

    /// Registers a handler with a step that runs before the transaction opens, for the RPCs it
    /// needs (DESIGN.md: no transaction stays open while another context thinks). The step's
    /// result is handed to the handler. A redelivered message asks again with the same request
    /// ids, so the server answers from its inbox instead of acting twice.
    public mutating func on<M: Message, Prepared: Sendable>(
        _ type: M.Type, before step: @escaping @Sendable (M, Calls) async throws -> Prepared,
        _ body: @escaping @Sendable (M, Prepared, Handling) async throws -> Void
    ) {
        handlers[M.type] = Handler(type: M.type, kind: .message, needsCalls: true) { data, calls in
            let message = try Self.decode(M.self, data)
            let prepared = try await step(message, calls)
            return { handling in try await body(message, prepared, handling) }
        }
    }

    /// Serves an RPC endpoint. The handler runs in the delivery's transaction and its reply is
    /// stored in the inbox with the effects, so a retried request gets the same reply.
    /// Domain refusals (a declined payment) belong in the reply, not in a thrown error.
    public mutating func serve<R: RPCRequest>(_ type: R.Type, _ body: @escaping @Sendable (R, Handling) async throws -> R.Reply) {
        handlers[R.type] = Handler(type: R.type, kind: .rpc) { data, _ in
            let request = try Self.decode(R.self, data)
            return { handling in
                let reply = try await body(request, handling)
                handling.setReply(type: R.Reply.type, body: try JSONEncoder.warren.encode(reply))
            }
        }
    }

    private static func decode<M: Message>(_ type: M.Type, _ data: Data) throws -> M {
        do {
            return try JSONDecoder.warren.decode(M.self, from: data)
        } catch {
            throw PermanentFailure(.undecodableBody, "the body does not decode as \(M.self): \(DecodingFailure.describe(error))")
        }
    }

    /// The wire types this context has handlers for.
    public var handledTypes: [String] { handlers.keys.sorted() }

    /// The RPC request types this context serves.
    var servedTypes: [String] { handlers.values.filter { $0.kind == .rpc }.map(\.type).sorted() }

    package func handler(for type: String) -> Handler? { handlers[type] }
}

/// A registered handler, erased to the body's bytes: `prepare` decodes (and runs the step
/// before the transaction, if any) and returns the part that runs inside it.
package struct Handler: Sendable {
    enum Kind: Sendable {
        case message
        case rpc
    }

    let type: String
    let kind: Kind
    var needsCalls = false
    let prepare: @Sendable (Data, Calls) async throws -> @Sendable (Handling) async throws -> Void
}

/// A versioned change to a context's schema. The SQL runs with `search_path` set to the
/// context's schema, so it names tables without a schema prefix.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(_ version: Int, _ name: String, _ sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

enum DecodingFailure {
    /// "`price`: expected Decimal" rather than Foundation's nested description.
    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "`\(key.stringValue)` is missing"
        case DecodingError.typeMismatch(let type, let context), DecodingError.valueNotFound(let type, let context):
            return "`\(path(context))` is not a \(type)"
        case DecodingError.dataCorrupted(let context): return "`\(path(context))`: \(context.debugDescription)"
        default: return "\(error)"
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        return path.isEmpty ? "$" : path
    }
}
