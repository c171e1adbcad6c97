import Foundation
import GRDB
import ServiceLifecycle
import Testing
import Warren
import WarrenEmbedded
import WarrenTesting
@testable import StorageSystem

/// The storage system on real servers for one scenario: storagecall and storageassign in this
/// process on a private vhost and database (`LiveHarness`), storagemanage on its SQLite file in
/// a temporary folder (in this process, or as `warren worker storage/storagemanage` when a
/// scenario kills it), and the RPC client the ingress sends commands with.
actor StorageFleet {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let topology = root.appendingPathComponent("topology").path

    let harness: LiveHarness
    let client: RPCClient
    let settings: Settings
    /// storagemanage's file, kept across its restarts.
    let sqlitePath: String
    private var running: [String: [RunningWorker]] = [:]
    private var manage: (group: ServiceGroup, task: Task<Void, any Error>)?
    private var process: Process?

    private init(harness: LiveHarness, client: RPCClient, settings: Settings, sqlitePath: String) {
        self.harness = harness
        self.client = client
        self.settings = settings
        self.sqlitePath = sqlitePath
    }

    /// Runs `body` with `contexts` started (every Swift context by default).
    static func with(running contexts: [String] = StorageSystem.contextNames, settings: Settings = Settings(),
                     _ body: (StorageFleet) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("warren-storage-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        try await LiveHarness.with(topology: topology, system: StorageSystem.name) { harness in
            try await harness.withClient(caller: "ingress") { client in
                let fleet = StorageFleet(harness: harness, client: client, settings: settings,
                                         sqlitePath: folder.appendingPathComponent("storagemanage.sqlite").path)
                do {
                    for name in contexts { try await fleet.start(name) }
                    try await body(fleet)
                } catch {
                    await fleet.stopEverything()
                    throw error
                }
                await fleet.stopEverything()
            }
        }
    }

    // MARK: Workers

    func start(_ name: String) async throws {
        if name == "storagemanage" {
            let worker = EmbeddedApplication.worker(context: StorageManage.context(settings: settings), path: sqlitePath,
                                                    configuration: harness.configuration(concurrency: 1), logger: harness.logger)
            let group = ServiceGroup(configuration: .init(services: [.init(service: worker)], logger: harness.logger))
            let task = Task { try await group.run() }
            manage = (group, task)
            for _ in 0..<300 where !worker.state.isReady { try await Task.sleep(for: .milliseconds(50)) }
            guard worker.state.isReady else { throw TestFailure("storagemanage did not become ready within 15 s") }
            return
        }
        let context = try #require(StorageSystem.context(named: name, settings: settings), "no context \(name)")
        running[name, default: []].append(try await harness.start(context))
    }

    /// Stops `name` gracefully (SIGTERM's path: in-flight work finishes).
    func stop(_ name: String) async throws {
        if name == "storagemanage" {
            if let manage {
                await manage.group.triggerGracefulShutdown()
                try await manage.task.value
            }
            manage = nil
            return
        }
        for worker in running.removeValue(forKey: name) ?? [] { try await worker.stop() }
    }

    /// storagemanage as its own process, `warren worker storage/storagemanage`, on the same file;
    /// `extra` adds variables (`WARREN_FAILPOINT=after-commit:N` kills it with SIGKILL there).
    func spawnManage(_ extra: [String: String] = [:]) throws -> Process {
        let binary = Self.root.appendingPathComponent(".build/debug/warren").path
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw TestFailure("\(binary) is missing: build it first") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["worker", "storage/storagemanage"]
        var environment = ProcessInfo.processInfo.environment
        environment["AMQP_URL"] = harness.amqpURL
        environment["DATABASE_URL"] = nil
        environment["TOPOLOGY_DIR"] = Self.topology
        environment["HEALTH_PORT"] = "0"
        environment["RELAY_INTERVAL_MS"] = "200"
        environment["WARREN_SQLITE_PATH"] = sqlitePath
        environment["LOG_LEVEL"] = "warning"
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        try process.run()
        self.process = process
        return process
    }

    private func stopEverything() async {
        for name in running.keys { try? await stop(name) }
        try? await stop("storagemanage")
        if let process, process.isRunning { process.terminate(); process.waitUntilExit() }
    }

    // MARK: Commands, as the ingress sends them

    nonisolated func send<Command: Warren.Message>(_ command: Command) async throws -> Outcome {
        let body = try JSONEncoder().encode(command)
        guard let outcome = try await client.send(command: Command.type, body: body, correlationId: nil, wait: .seconds(30)) else {
            throw TestFailure("\(Command.type): no outcome within 30 s")
        }
        return outcome
    }

    /// `http :8080/storagecalls tel="01012345678" location="마포" status=호출 cost=25000`.
    nonisolated func call(location: String = "마포", tel: String = "01012345678") async throws -> Outcome {
        try await send(StorageCall.CallStorage(tel: tel, location: location, status: "호출", cost: 25000))
    }

    /// `http delete :8080/storagecalls/ID`.
    nonisolated func cancel(_ id: Int) async throws -> Outcome {
        try await send(StorageCall.CancelStorageCall(id: id))
    }

    // MARK: What a user and an operator see

    /// `GET /storagecalls/ID`'s status.
    nonisolated func status(of id: Int) async throws -> String? {
        try await harness.query("SELECT status FROM storagecall.storagecalls WHERE id = \(id)", String.self).first
    }

    nonisolated func cancelReason(of id: Int) async throws -> String? {
        try await harness.query("SELECT coalesce(cancel_reason, '') FROM storagecall.storagecalls WHERE id = \(id)", String.self).first
    }

    /// `GET /units`: unit → the call holding it (0 for a free one).
    nonisolated func units() async throws -> [String: Int] {
        let rows = try await harness.query("SELECT unit || '=' || coalesce(storagecall_id, 0)::text FROM storageassign.units", String.self)
        return Dictionary(uniqueKeysWithValues: rows.map { row in
            let parts = row.split(separator: "=")
            return (String(parts[0]), Int(parts[1]) ?? -1)
        })
    }

    nonisolated func count(_ from: String) async throws -> Int {
        try await harness.query("SELECT count(*)::bigint FROM \(from)", Int.self)[0]
    }

    /// storagemanage's record of a call, from its SQLite file: status, or nil.
    nonisolated func manageStatus(of id: Int) async throws -> String? {
        try await readManage { db in try String.fetchOne(db, sql: "SELECT status FROM storagemanages WHERE storagecall_id = ?", arguments: [id]) }
    }

    nonisolated func readManage<T: Sendable>(_ query: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let queue = try DatabaseQueue(path: sqlitePath)
        defer { try? queue.close() }
        return try await queue.read(query)
    }

    nonisolated func eventually(within seconds: Double = 30, _ what: String, _ condition: () async throws -> Bool) async throws {
        try await harness.eventually(within: seconds, what, condition)
    }
}

extension Settings {
    func with(_ change: (inout Settings) -> Void) -> Settings {
        var settings = self
        change(&settings)
        return settings
    }
}

extension Outcome {
    func createdId() throws -> Int {
        guard result == .created, let id, let number = Int(id) else { throw TestFailure("expected a created resource, got \(self)") }
        return number
    }
}
