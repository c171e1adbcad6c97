import Foundation
import Postgres
import RabbitMQ
import Warren
@_exported import WarrenTesting

/// The runtime tests' harness: `LiveHarness` on the ledger test system, with its helpers.
typealias RuntimeHarness = LiveHarness

extension LiveHarness {
    static let topologyDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/topology").path
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let benchTopologyDirectory = packageRoot.appendingPathComponent("bench/topology").path

    static func with<T>(_ body: (LiveHarness) async throws -> T) async throws -> T {
        try await with(topology: topologyDirectory, body)
    }

    func start(_ context: BoundedContext = Ledger.context, concurrency: Int = 4) async throws -> RunningWorker {
        try await start(context, concurrency: concurrency, configure: { _ in })
    }

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

    func balance(_ account: String) async throws -> Int? {
        try await query("SELECT balance FROM ledger.accounts WHERE account = '\(account)'", Int.self).first
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

