import Foundation
import GRDB
import Logging
import RabbitMQ
import ServiceLifecycle
import Warren
@testable import WarrenEmbedded
@_exported import WarrenTesting

/// `LiveHarness` on the depot test system, with the vault's SQLite file in a temporary folder.
struct VaultHarness {
    let live: LiveHarness
    let path: String

    static let topologyDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/topology").path

    static func with<T>(_ body: (VaultHarness) async throws -> T) async throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("warren-embedded-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        return try await LiveHarness.with(topology: topologyDirectory) { live in
            try await body(VaultHarness(live: live, path: folder.appendingPathComponent("vault.sqlite").path))
        }
    }

    /// Runs the vault's worker in this process on the harness's file; readiness awaited.
    func start() async throws -> EmbeddedRun {
        let configuration = live.configuration(concurrency: 1)
        let worker = EmbeddedApplication.worker(context: Vault.context, path: path, configuration: configuration, logger: live.logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: worker)], logger: live.logger))
        let task = Task { try await group.run() }
        for _ in 0..<300 where !worker.state.isReady { try await Task.sleep(for: .milliseconds(50)) }
        guard worker.state.isReady else { throw TestFailure("the vault's worker did not become ready within 15 s") }
        return EmbeddedRun(group: group, task: task)
    }

    func deposit(_ account: String, _ amount: Int, messageId: String = UUID().uuidString) async throws {
        try await live.publish(Vault.Deposit(account: account, amount: amount), envelope: Envelope(messageId: messageId, type: Vault.Deposit.type))
    }

    /// Reads the vault's file beside the running worker (WAL lets readers in). Opening waits
    /// out a moment's lock as the worker's own pool does (a checkpoint can hold one), instead of
    /// failing with SQLITE_BUSY.
    func read<T: Sendable>(_ query: @escaping @Sendable (Database) throws -> T) async throws -> T {
        var options = Configuration()
        options.busyMode = .timeout(10)
        let queue = try DatabaseQueue(path: path, configuration: options)
        defer { try? queue.close() }
        return try await queue.read(query)
    }

    func balance(_ account: String) async throws -> Int? {
        try await read { db in try Int.fetchOne(db, sql: "SELECT balance FROM accounts WHERE account = ?", arguments: [account]) }
    }

    func count(_ sql: String) async throws -> Int {
        try await read { db in try Int.fetchOne(db, sql: sql) ?? 0 }
    }
}

struct EmbeddedRun {
    let group: ServiceGroup
    let task: Task<Void, any Error>

    /// SIGTERM's path: graceful shutdown, then wait for the worker to return.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}
