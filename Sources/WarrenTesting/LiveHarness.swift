import BrokerAdmin
import Foundation
import Logging
import Postgres
import RabbitMQ
import ServiceLifecycle
import Topology
import Warren

/// Real servers for one test: a private RabbitMQ vhost with a topology applied and a private
/// PostgreSQL database, both removed afterwards, so tests run in parallel on the servers the
/// test script started (`AMQP_URL`, `RABBITMQ_MANAGEMENT_URL`, `DATABASE_URL`).
public struct LiveHarness: Sendable {
    public static let environment = ProcessInfo.processInfo.environment
    public static let amqpURL = environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/%2f"
    public static let managementURL = environment["RABBITMQ_MANAGEMENT_URL"] ?? "http://guest:guest@127.0.0.1:15672"
    public static let databaseURL = environment["DATABASE_URL"] ?? "postgres://warren:warren@127.0.0.1:5432/warren"
    /// The deadline of an RPC whose test is not about time. A fixture's 1 s failed a call made
    /// the moment its worker was ready, under a parallel test run on freshly started servers
    /// (CI, 2026-12-04); a test about deadlines names its own.
    public static let patience: Duration = .seconds(10)

    public let vhost: String
    public let database: String
    public let amqpURL: String
    public let databaseURL: String
    public let topologyDirectory: String
    public let fleet: Fleet
    public var logger: Logger { Logger(label: "test.runtime") }

    /// `system` names the namespace to apply when `topology` holds several systems.
    public static func with<T>(topology: String, system: String? = nil, _ body: (LiveHarness) async throws -> T) async throws -> T {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let admin = try Configuration(url: amqpURL)
        let api = try ManagementAPI(url: managementURL)
        let vhost = "warren-runtime-\(suffix)"
        try await api.putVirtualHost(vhost)
        try await api.putPermissions(vhost: vhost, user: admin.user, configure: ".*", write: ".*", read: ".*")
        let adminDatabase = try await PostgresConnection.connect(PostgresConfiguration(url: databaseURL), logger: Logger(label: "test"))
        let database = "warren_runtime_\(suffix)"
        try await adminDatabase.execute("CREATE DATABASE \(database)", [])

        let vhostURL = "amqp://\(admin.user):\(admin.password)@\(admin.host):\(admin.port)/\(vhost)"
        var postgres = try PostgresConfiguration(url: databaseURL)
        postgres.database = database
        func cleanUp() async {
            try? await api.deleteVirtualHost(vhost)
            _ = try? await adminDatabase.execute("DROP DATABASE IF EXISTS \(database) WITH (FORCE)", [])
            await adminDatabase.close()
        }
        do {
            let (everything, problems) = try TopologyDirectory(topology).check(system: system)
            guard problems.isEmpty else { throw TestFailure("test topology: \(problems)") }
            let fleet = try everything.namespace(system).fleet
            let harness = LiveHarness(
                vhost: vhost, database: database, amqpURL: vhostURL,
                databaseURL: "postgres://\(postgres.user):\(postgres.password ?? "")@\(postgres.host):\(postgres.port)/\(database)",
                topologyDirectory: topology, fleet: fleet)
            let report = try await TopologyApply.run(BrokerObjects(fleet: fleet), options: .init(amqpURL: vhostURL, managementURL: managementURL))
            guard report.succeeded else { throw TestFailure("apply failed: \(report.lines.joined(separator: "\n"))") }
            let result = try await body(harness)
            await cleanUp()
            return result
        } catch {
            await cleanUp()
            throw error
        }
    }

    public func configuration(concurrency: Int = 4) -> WorkerConfiguration {
        var configuration = WorkerConfiguration(amqpURL: amqpURL, databaseURL: databaseURL)
        configuration.topologyDirectory = topologyDirectory
        configuration.concurrency = concurrency
        configuration.healthPort = 0
        configuration.relayInterval = .milliseconds(200)
        configuration.shutdownGrace = .seconds(10)
        return configuration
    }

    /// Runs a worker in this process until `stop()`; readiness awaited.
    public func start(_ context: BoundedContext, concurrency: Int = 4,
                      configure: (inout WorkerConfiguration) -> Void = { _ in }) async throws -> RunningWorker {
        var configuration = configuration(concurrency: concurrency)
        configure(&configuration)
        let worker = Worker(context: context, configuration: configuration, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: worker)], logger: logger))
        let task = Task { try await group.run() }
        let running = RunningWorker(worker: worker, group: group, task: task)
        try await running.waitUntilReady()
        return running
    }

    /// An RPC client on this harness's vhost, running until `body` returns.
    public func withClient<T>(caller: String = "test", breaker: CircuitBreaker.Settings = .init(),
                              _ body: (RPCClient) async throws -> T) async throws -> T {
        var configuration = RPCClient.Configuration(amqp: try Configuration(url: amqpURL))
        configuration.breaker = breaker
        let client = RPCClient(configuration: configuration, fleet: fleet, caller: caller, logger: logger)
        let task = Task { try await client.run() }
        defer { task.cancel() }
        await client.connected()
        return try await body(client)
    }

    // MARK: Broker

    public func connect() async throws -> Connection { try await Connection.connect(url: amqpURL) }

    /// Publishes a message of the fleet where its declaration says it goes, with confirms.
    public func publish<M: Warren.Message>(_ message: M, envelope: Envelope? = nil) async throws {
        guard let declared = fleet.message(M.type) else { throw TestFailure("\(M.type) is not in the test topology") }
        let connection = try await connect()
        defer { Task { try? await connection.close() } }
        let channel = try await connection.openChannel()
        try await channel.enablePublisherConfirms()
        try await channel.publish(OutgoingMessage(exchange: declared.exchange, routingKey: M.type, body: try JSONEncoder.warren.encode(message),
                                                  properties: (envelope ?? Envelope(type: M.type)).properties))
    }

    /// Takes `count` messages from a queue (acking them), failing after `seconds`.
    public func take(_ count: Int, from queue: String, within seconds: Double = 20) async throws -> [Delivery] {
        let connection = try await connect()
        defer { Task { try? await connection.close() } }
        let channel = try await connection.openChannel()
        let consumer = try await channel.consume(queue: queue)
        var taken: [Delivery] = []
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let collected: [Delivery] = try await withThrowingTaskGroup(of: [Delivery]?.self) { group in
            group.addTask {
                var deliveries: [Delivery] = []
                for try await delivery in consumer {
                    deliveries.append(delivery)
                    try await delivery.ack()
                    if deliveries.count == count { break }
                }
                return deliveries
            }
            group.addTask {
                try await Task.sleep(until: deadline)
                return nil
            }
            let first = try await group.next()!
            group.cancelAll()
            return first ?? []
        }
        taken = collected
        guard taken.count == count else { throw TestFailure("expected \(count) messages in \(queue) within \(seconds) s, got \(taken.count)") }
        try? await consumer.cancel()
        return taken
    }

    public func messageCount(_ queue: String) async throws -> Int {
        let connection = try await connect()
        defer { Task { try? await connection.close() } }
        return try await connection.openChannel().declareQueue(queue, passive: true).messageCount
    }

    /// Why each letter in a `.dead` queue is there, taking them all (`DeadLetterQueue.Letter`'s
    /// reason: ours, or the broker's own, e.g. `expired`).
    public func deadLetterReasons(_ queue: String) async throws -> [String] {
        let count = try await messageCount(queue)
        guard count > 0 else { return [] }
        return try await take(count, from: queue).map { DeadLetterQueue.Letter($0).reason ?? "no reason recorded" }
    }

    // MARK: Database

    public func query<T: PostgresDecodable>(_ sql: String, _ type: T.Type) async throws -> [T] {
        let connection = try await PostgresConnection.connect(PostgresConfiguration(url: databaseURL), logger: logger)
        defer { Task { await connection.close() } }
        return try await connection.query(sql, []).map { try $0.decode(T.self, at: 0) }
    }

    /// Polls `condition` until true or `seconds` pass.
    public func eventually(within seconds: Double = 20, _ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("not within \(seconds) s: \(what)")
    }
}

/// A worker running in this process under a ServiceGroup, as `warren worker` runs it.
public struct RunningWorker: Sendable {
    public let worker: Worker
    public let group: ServiceGroup
    public let task: Task<Void, any Error>

    public func waitUntilReady() async throws {
        for _ in 0..<300 {
            if worker.state.isReady { return }
            if task.isCancelled { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("the worker did not become ready within 15 s")
    }

    /// SIGTERM's path: graceful shutdown, then wait for `run` to return.
    public func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
