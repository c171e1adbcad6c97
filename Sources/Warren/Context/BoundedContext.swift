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
        handlers[M.type] = Handler(type: M.type) { data, handling in
            let message: M
            do {
                message = try JSONDecoder().decode(M.self, from: data)
            } catch {
                throw PermanentFailure(.undecodableBody, "the body does not decode as \(M.self): \(DecodingFailure.describe(error))")
            }
            try await body(message, handling)
        }
    }

    /// The wire types this context has handlers for.
    public var handledTypes: [String] { handlers.keys.sorted() }

    func handler(for type: String) -> Handler? { handlers[type] }
}

/// A registered handler with its decoding step, erased to the body's bytes.
struct Handler: Sendable {
    let type: String
    let run: @Sendable (Data, Handling) async throws -> Void
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
