import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Postgres
import Synchronization
import Warren
@testable import WarrenIngress

/// A private database holding the `bank` fixture's view tables and inbox, read by the ingress
/// as the read-only role `warren_reader`, for one test: tests run in parallel beside others on
/// the servers `scripts/test` started.
struct IngressHarness {
    static let environment = ProcessInfo.processInfo.environment
    static let databaseURL = environment["DATABASE_URL"] ?? "postgres://warren:warren@127.0.0.1:5432/warren"
    static let amqpURL = environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/%2f"
    static let topologyDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/topology").path
    /// Schema, view tables, inbox and grants of the `bank` fixture (scripts/check-openapi uses it too).
    static let fixtureSQL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/bank.sql").path

    /// The owner's connection to the private database (creates tables, inserts rows).
    let owner: PostgresConnection
    let readURL: String

    /// At most this many harnesses at once: each holds a database and up to four connections,
    /// and Swift Testing would otherwise start every test together (PostgreSQL allows 100).
    static let slots = Slots(4)

    static func with<T>(_ body: (IngressHarness) async throws -> T) async throws -> T {
        await slots.acquire()
        defer { Task { await slots.release() } }
        let logger = Logger(label: "test.ingress")
        let admin = try await PostgresConnection.connect(PostgresConfiguration(url: databaseURL), logger: logger)
        let database = "warren_ingress_\(UUID().uuidString.prefix(8).lowercased())"
        try await admin.execute("CREATE DATABASE \(database)", [])
        var configuration = try PostgresConfiguration(url: databaseURL)
        configuration.database = database
        let owner = try await PostgresConnection.connect(configuration, logger: logger)
        func cleanUp() async {
            await owner.close()
            _ = try? await admin.execute("DROP DATABASE IF EXISTS \(database) WITH (FORCE)", [])
            await admin.close()
        }
        do {
            try await owner.execute(try String(contentsOfFile: fixtureSQL, encoding: .utf8), [])
            let harness = IngressHarness(
                owner: owner,
                readURL: "postgres://warren_reader:warren_reader@\(configuration.host):\(configuration.port)/\(database)")
            let result = try await body(harness)
            await cleanUp()
            return result
        } catch {
            await cleanUp()
            throw error
        }
    }

    func configuration(maxBodyBytes: Int = 1_048_576, commandTimeout: Duration = .seconds(1)) -> IngressConfiguration {
        var configuration = IngressConfiguration(amqpURL: Self.amqpURL, readDatabaseURL: readURL)
        configuration.topologyDirectory = Self.topologyDirectory
        configuration.port = 0
        configuration.host = "127.0.0.1"
        configuration.maxBodyBytes = maxBodyBytes
        configuration.commandTimeout = commandTimeout
        configuration.readConnections = 2
        return configuration
    }

    /// Runs the `bank` ingress in process (HummingbirdTesting's router transport) around `test`.
    func withIngress<T: Sendable>(dispatcher: any Dispatcher = FakeDispatcher(), maxBodyBytes: Int = 1_048_576,
                                  _ test: @escaping @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        let application = try IngressApplication.application(
            system: "bank", configuration: configuration(maxBodyBytes: maxBodyBytes), dispatcher: dispatcher,
            logger: Logger(label: "test.ingress"))
        return try await application.test(.router) { client in try await test(client) }
    }

    /// `n` accounts, ids 1...n: owner `owner-<id>`, balance `<id>.50`, opened 2025-01-<id> UTC.
    func insertAccounts(_ count: Int) async throws {
        try await owner.execute("""
            INSERT INTO accounts.accounts (id, owner, balance, currency, opened_at)
            SELECT i, 'owner-' || i, (i || '.50')::numeric, CASE WHEN i % 2 = 0 THEN 'EUR' ELSE 'USD' END,
                   timestamptz '2025-01-01 00:00:00+00' + (i - 1) * interval '1 day'
            FROM generate_series(1, $1::int) AS i
            """, [count])
    }
}

/// A dispatcher that answers what the test scripts and remembers what was sent.
final class FakeDispatcher: Dispatcher {
    var isConnected: Bool { true }
    struct Sent: Sendable {
        var type: String
        var body: Data
        var correlationId: String?
        var messageId: String?
        var wait: Duration?
    }

    private let outcome: @Sendable (Sent) throws(RPCError) -> Outcome?
    private let reply: @Sendable (Sent) throws(RPCError) -> RPCAnswer
    private let log = Mutex<[Sent]>([])

    init(outcome: @escaping @Sendable (Sent) throws(RPCError) -> Outcome? = { _ in .done },
         reply: @escaping @Sendable (Sent) throws(RPCError) -> RPCAnswer = { _ in RPCAnswer(type: "x.Reply", body: Data("{}".utf8)) }) {
        self.outcome = outcome
        self.reply = reply
    }

    var sent: [Sent] { log.withLock { $0 } }

    func send(command type: String, body: Data, correlationId: String?, messageId: String?,
              wait: Duration) async throws(RPCError) -> Outcome? {
        let sent = Sent(type: type, body: body, correlationId: correlationId, messageId: messageId, wait: wait)
        log.withLock { $0.append(sent) }
        return try outcome(sent)
    }

    func call(rpc type: String, body: Data, correlationId: String?, messageId: String?,
              deadline: Duration?) async throws(RPCError) -> RPCAnswer {
        let sent = Sent(type: type, body: body, correlationId: correlationId, messageId: messageId, wait: deadline)
        log.withLock { $0.append(sent) }
        return try reply(sent)
    }
}

extension TestResponse {
    /// The body as JSON; `.null` when it is not JSON.
    var json: JSONValue {
        (try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: body))) ?? .null
    }

    var text: String { String(buffer: body) }
}

extension JSONValue {
    subscript(index: Int) -> JSONValue? {
        if case .array(let items) = self, items.indices.contains(index) { return items[index] }
        return nil
    }

    var count: Int? {
        if case .array(let items) = self { return items.count }
        return nil
    }
}

extension TestClientProtocol {
    /// A request with a JSON body.
    func send(_ method: HTTPRequest.Method, _ uri: String, json: String? = nil, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        if json != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }
}

/// A counting semaphore for tasks.
actor Slots {
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(_ count: Int) { free = count }

    func acquire() async {
        if free > 0 { free -= 1; return }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}
