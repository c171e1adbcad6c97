import Foundation
import Logging
import Postgres
import Synchronization
import Topology
import Warren

/// Unit tests of a context's handlers without a broker: messages go in through an in-memory
/// transport, and the test sees what the handler emitted, the reply or outcome it gave, and its
/// state. RPCs the handlers make are answered by stubs.
///
/// The handlers run through the worker's own transaction code (inbox, handler, stored reply,
/// outbox) against a private PostgreSQL database, since handlers speak SQL: this harness
/// replaces RabbitMQ, not PostgreSQL.
public final class HandlerHarness: Sendable {
    public let context: BoundedContext
    /// A connection with the context's schema on its `search_path`, for setting and reading state.
    public let database: PostgresConnection
    private let fleet: Fleet
    private let topology: Topology.Context
    private let transaction: HandlerTransaction
    /// Claims ids on the harness's connection, idle while a `before` step runs.
    private let idClaims: IdClaims
    private let transport: StubTransport

    init(context: BoundedContext, database: PostgresConnection, fleet: Fleet, topology: Topology.Context) {
        self.context = context
        self.database = database
        self.fleet = fleet
        self.topology = topology
        self.transaction = HandlerTransaction(context: context.name, topology: topology, fleet: fleet)
        self.idClaims = IdClaims(context: context.name, database: database)
        self.transport = StubTransport(fleet: fleet, caller: context.name)
    }

    /// Runs `body` with a harness on a fresh database (`DATABASE_URL`'s server), the context's
    /// schema migrated; the database is dropped afterwards.
    public static func with<T>(_ context: BoundedContext, topology directory: String,
                               _ body: (HandlerHarness) async throws -> T) async throws -> T {
        let (fleet, problems) = try TopologyDirectory(directory).check(system: context.system)
        guard problems.isEmpty else { throw TestFailure("topology: \(problems.map(\.description).joined(separator: "; "))") }
        guard let topology = fleet.context(named: context.name) else { throw TestFailure("no topology for \(context.name) in \(directory)") }
        let logger = Logger(label: "test.handlers")
        let admin = try await PostgresConnection.connect(PostgresConfiguration(url: LiveHarness.databaseURL), logger: logger)
        let name = "warren_handlers_\(UUID().uuidString.prefix(8).lowercased())"
        try await admin.execute("CREATE DATABASE \(name)", [])
        do {
            var configuration = try PostgresConfiguration(url: LiveHarness.databaseURL)
            configuration.database = name
            configuration.parameters["options"] = HandlerTransaction.searchPath(of: context.name)
            let database = try await PostgresConnection.connect(configuration, logger: logger)
            try await HandlerTransaction.migrate(context, on: database)
            let harness = HandlerHarness(context: context, database: database, fleet: fleet, topology: topology)
            let result: T
            do {
                result = try await body(harness)
            } catch {
                await database.close()
                throw error
            }
            await database.close()
            _ = try? await admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", [])
            await admin.close()
            return result
        } catch {
            _ = try? await admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", [])
            await admin.close()
            throw error
        }
    }

    /// Answers the handlers' calls of `R` (a thrown `RPCError.timedOut` makes the handler see a
    /// timeout, and its compensation appears among the emitted messages).
    public func stub<R: RPCRequest>(_ type: R.Type, _ answer: @escaping @Sendable (R) throws(RPCError) -> R.Reply) {
        transport.stub(type, answer)
    }

    /// Hands `message` to its handler as a delivery would. Throws what the handler threw (a
    /// `PermanentFailure` for a message the worker would dead-letter, anything else for a retry).
    public func handle<M: Warren.Message>(_ message: M, envelope: Envelope? = nil) async throws -> Handled {
        guard let handler = context.handler(for: M.type) else {
            throw TestFailure("\(context.name) has no handler for \(M.type)")
        }
        let queue = topology.queues.first { $0.consumes.contains { $0.type == M.type } }?.name ?? "in-memory"
        var envelope = envelope ?? Envelope(type: M.type)
        if envelope.replyTo == nil, fleet.rpc(M.type) != nil || fleet.message(M.type)?.kind == .command {
            envelope.replyTo = "in-memory"  // the sender waits: the handler's reply or outcome is kept
        }
        let body = try JSONEncoder.warren.encode(message)
        if let fields = fleet.message(M.type)?.fields ?? fleet.rpc(M.type)?.request.fields {
            let violations = PayloadValidator.validate(body, against: fields)
            guard violations.isEmpty else { throw TestFailure("\(M.type) breaks its declaration: \(violations)") }
        }
        let calls = Calls(client: transport, claims: idClaims, cause: envelope)
        let result = try await transaction.run(handler, body: body, envelope: envelope, queue: queue, database: database,
                                               calls: calls, logger: Logger(label: "test.handlers"))
        switch result {
        case .duplicate(let stored):
            return Handled(duplicate: true, emitted: [],
                           reply: stored.map { Emitted(type: $0.type, body: Data($0.body.utf8), envelope: envelope) })
        case .handled(let written, let reply):
            return Handled(duplicate: false,
                           emitted: written.map { Emitted(type: $0.routingKey, body: $0.body, envelope: $0.envelope) },
                           reply: reply.map { Emitted(type: $0.type, body: $0.body, envelope: envelope) })
        }
    }

    /// Rows of a query against the context's schema, first column decoded.
    public func query<T: PostgresDecodable>(_ sql: String, _ type: T.Type) async throws -> [T] {
        try await database.query(sql, []).map { try $0.decode(T.self, at: 0) }
    }
}

/// What one handled message produced.
public struct Handled: Sendable {
    /// The inbox had it already: the handler did not run.
    public var duplicate: Bool
    /// Events and commands written to the outbox, in order (compensations included).
    public var emitted: [Emitted]
    /// The RPC reply or command outcome the sender would get.
    public var reply: Emitted?

    /// The command's outcome, when the reply is one.
    public var outcome: Outcome? {
        guard let reply, reply.type == Reply.outcomeType else { return nil }
        return try? Outcome(json: reply.body)
    }

    /// The emitted messages of one type, decoded.
    public func emitted<M: Warren.Message>(_ type: M.Type) throws -> [M] {
        try emitted.filter { $0.type == M.type }.map { try JSONDecoder.warren.decode(M.self, from: $0.body) }
    }
}

/// A message as it would have left the context.
public struct Emitted: Sendable {
    public var type: String
    public var body: Data
    public var envelope: Envelope

    public func decode<M: Decodable>(_ type: M.Type) throws -> M { try JSONDecoder.warren.decode(M.self, from: body) }
}

/// The in-memory side of RPC for `HandlerHarness`: stubs by request type.
final class StubTransport: RPCTransport {
    let fleet: Fleet
    let caller: String
    private let stubs = Mutex<[String: @Sendable (Data) -> Result<(type: String, body: Data), RPCError>]>([:])

    init(fleet: Fleet, caller: String) {
        self.fleet = fleet
        self.caller = caller
    }

    func stub<R: RPCRequest>(_ type: R.Type, _ answer: @escaping @Sendable (R) throws(RPCError) -> R.Reply) {
        let run: @Sendable (Data) -> Result<(type: String, body: Data), RPCError> = { data in
            guard let request = try? JSONDecoder.warren.decode(R.self, from: data) else {
                return .failure(.rejected(target: R.type, reason: "the request does not decode as \(R.self)"))
            }
            let reply: R.Reply
            do throws(RPCError) { reply = try answer(request) } catch { return .failure(error) }
            guard let body = try? JSONEncoder.warren.encode(reply) else {
                return .failure(.undecodableReply(target: R.type, reason: "the stub's reply does not encode"))
            }
            return .success((R.Reply.type, body))
        }
        stubs.withLock { $0[R.type] = run }
    }

    func request(type: String, body: Data, cause: Envelope, messageId: String, deadline: Duration?) async throws(RPCError) -> Reply {
        guard let answer = stubs.withLock({ $0[type] }) else {
            throw .unavailable(target: type, reason: "no stub for \(type) in this HandlerHarness")
        }
        let (replyType, replyBody) = try answer(body).get()
        var envelope = cause.caused(type: replyType, by: type)
        envelope.inReplyTo = messageId
        return Reply(envelope: envelope, body: replyBody)
    }
}
