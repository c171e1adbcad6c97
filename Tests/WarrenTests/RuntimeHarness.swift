import BrokerAdmin
import Foundation
import Logging
import Postgres
import RabbitMQ
import ServiceLifecycle
import Topology
@testable import Warren

/// A private vhost with the test topology applied and a private database, for one test:
/// tests run in parallel beside others on the servers `scripts/test` started.
struct RuntimeHarness {
    static let environment = ProcessInfo.processInfo.environment
    static let amqpURL = environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/%2f"
    static let managementURL = environment["RABBITMQ_MANAGEMENT_URL"] ?? "http://guest:guest@127.0.0.1:15672"
    static let databaseURL = environment["DATABASE_URL"] ?? "postgres://warren:warren@127.0.0.1:5432/warren"
    static let topologyDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/topology").path
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let benchTopologyDirectory = packageRoot.appendingPathComponent("bench/topology").path

    let vhost: String
    let database: String
    let amqpURL: String
    let databaseURL: String
    var logger: Logger { Logger(label: "test.runtime") }

    static func with<T>(topology: String = topologyDirectory, _ body: (RuntimeHarness) async throws -> T) async throws -> T {
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
        let harness = RuntimeHarness(
            vhost: vhost, database: database, amqpURL: vhostURL,
            databaseURL: "postgres://\(postgres.user):\(postgres.password ?? "")@\(postgres.host):\(postgres.port)/\(database)")
        func cleanUp() async {
            try? await api.deleteVirtualHost(vhost)
            _ = try? await adminDatabase.execute("DROP DATABASE IF EXISTS \(database) WITH (FORCE)", [])
            await adminDatabase.close()
        }
        do {
            let (fleet, problems) = try TopologyDirectory(topology).check()
            guard problems.isEmpty else { throw TestFailure("test topology: \(problems)") }
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

    func configuration(concurrency: Int = 4) -> WorkerConfiguration {
        var configuration = WorkerConfiguration(amqpURL: amqpURL, databaseURL: databaseURL)
        configuration.topologyDirectory = Self.topologyDirectory
        configuration.concurrency = concurrency
        configuration.healthPort = 0
        configuration.relayInterval = .milliseconds(200)
        configuration.shutdownGrace = .seconds(10)
        return configuration
    }

    /// Runs a worker in this process until `stop()`; readiness awaited.
    func start(_ context: BoundedContext = Ledger.context, concurrency: Int = 4) async throws -> RunningWorker {
        let worker = Worker(context: context, configuration: configuration(concurrency: concurrency), logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: worker)], logger: logger))
        let task = Task { try await group.run() }
        let running = RunningWorker(worker: worker, group: group, task: task)
        try await running.waitUntilReady()
        return running
    }

    // MARK: Broker

    func connect() async throws -> Connection { try await Connection.connect(url: amqpURL) }

    /// Publishes a raw message to the ledger's commands exchange.
    func send(_ body: Data, type: String? = "ledger.Deposit", messageId: String? = UUID().uuidString,
              contentType: String? = "application/json", routingKey: String = "ledger.Deposit") async throws {
        let connection = try await connect()
        let channel = try await connection.openChannel()
        try await channel.enablePublisherConfirms()
        try await channel.publish(body, exchange: "ledger.commands", routingKey: routingKey,
                                  properties: BasicProperties(contentType: contentType, deliveryMode: 2, messageId: messageId, type: type))
        try await connection.close()
    }

    /// Publishes many deposits in one batch, waiting for the broker's confirms.
    func depositAll(_ deposits: [(account: String, amount: Int, messageId: String)]) async throws {
        let connection = try await connect()
        let channel = try await connection.openChannel()
        try await channel.enablePublisherConfirms()
        let messages = try deposits.map { deposit in
            OutgoingMessage(exchange: "ledger.commands", routingKey: "ledger.Deposit",
                            body: try JSONEncoder().encode(Ledger.Deposit(account: deposit.account, amount: deposit.amount)),
                            properties: BasicProperties(contentType: "application/json", deliveryMode: 2,
                                                        messageId: deposit.messageId, type: "ledger.Deposit"))
        }
        for case .failure(let error) in try await channel.publish(contentsOf: messages) { throw error }
        try await connection.close()
    }

    func deposit(_ account: String, _ amount: Int, messageId: String = UUID().uuidString) async throws {
        try await send(try JSONEncoder().encode(Ledger.Deposit(account: account, amount: amount)), messageId: messageId)
    }

    /// Takes `count` messages from a queue (acking them), failing after `seconds`.
    func take(_ count: Int, from queue: String, within seconds: Double = 20) async throws -> [Delivery] {
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

    func messageCount(_ queue: String) async throws -> Int {
        let connection = try await connect()
        defer { Task { try? await connection.close() } }
        return try await connection.openChannel().declareQueue(queue, passive: true).messageCount
    }

    // MARK: Database

    func query<T: PostgresDecodable>(_ sql: String, _ type: T.Type) async throws -> [T] {
        let connection = try await PostgresConnection.connect(PostgresConfiguration(url: databaseURL), logger: logger)
        defer { Task { await connection.close() } }
        return try await connection.query(sql, []).map { try $0.decode(T.self, at: 0) }
    }

    func balance(_ account: String) async throws -> Int? {
        try await query("SELECT balance FROM ledger.accounts WHERE account = '\(account)'", Int.self).first
    }

    /// Polls `condition` until true or `seconds` pass.
    func eventually(within seconds: Double = 20, _ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("not within \(seconds) s: \(what)")
    }
}

extension RuntimeHarness {
    /// Starts `WarrenBench worker CONTEXT` as a process of its own, so a test can SIGKILL it.
    func spawnBenchWorker(_ context: String, environment extra: [String: String] = [:]) throws -> Process {
        let binary = Self.packageRoot.appendingPathComponent(".build/debug/WarrenBench").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw TestFailure("\(binary) is missing: build it first (`swift build`; scripts/test does)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["worker", context]
        var environment = ProcessInfo.processInfo.environment
        environment["AMQP_URL"] = amqpURL
        environment["DATABASE_URL"] = databaseURL
        environment["TOPOLOGY_DIR"] = Self.benchTopologyDirectory
        environment["HEALTH_PORT"] = "0"
        environment["RELAY_INTERVAL_MS"] = "200"
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        try process.run()
        return process
    }
}

/// A worker running in this process under a ServiceGroup, as `warren worker` runs it.
struct RunningWorker {
    let worker: Worker
    let group: ServiceGroup
    let task: Task<Void, any Error>

    func waitUntilReady() async throws {
        for _ in 0..<300 {
            if worker.state.isReady { return }
            if task.isCancelled { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("the worker did not become ready within 15 s")
    }

    /// SIGTERM's path: graceful shutdown, then wait for `run` to return.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
