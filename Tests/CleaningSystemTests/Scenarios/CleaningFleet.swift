import Foundation
import Testing
import Warren
import WarrenTesting
import WarrenTrace
@testable import BrokerAdmin
@testable import CleaningSystem

/// The cleaning system on real servers for one scenario: its workers running in this process
/// on a private vhost and database (`LiveHarness`), and the RPC client the ingress sends
/// commands with. Scenarios start, stop and restart workers through it, send commands as the
/// ingress does, and read what a user would see in the views.
actor CleaningFleet {
    static let topology = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("topology").path

    let harness: LiveHarness
    let client: RPCClient
    private var running: [String: [RunningWorker]] = [:]

    private init(harness: LiveHarness, client: RPCClient) {
        self.harness = harness
        self.client = client
    }

    /// Runs `body` with `contexts` started (every context by default), each with `settings`.
    static func with(running contexts: [String] = CleaningSystem.contextNames, settings: Settings = .scenario,
                     _ body: (CleaningFleet) async throws -> Void) async throws {
        try await LiveHarness.with(topology: topology, system: CleaningSystem.name) { harness in
            try await harness.withClient(caller: "ingress") { client in
                let fleet = CleaningFleet(harness: harness, client: client)
                do {
                    for name in contexts { try await fleet.start(name, settings: settings) }
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

    /// Starts one more replica of `name`, as `warren worker NAME` would with these settings.
    func start(_ name: String, settings: Settings = .scenario, breaker: CircuitBreaker.Settings? = nil) async throws {
        let context = try #require(try CleaningSystem.context(named: name, settings: settings), "no context \(name)")
        let worker = try await harness.start(context) { configuration in
            if let breaker { configuration.breaker = breaker }
        }
        running[name, default: []].append(worker)
    }

    /// Stops every replica of `name` gracefully (SIGTERM's path: in-flight work finishes).
    func stop(_ name: String) async throws {
        for worker in running.removeValue(forKey: name) ?? [] { try await worker.stop() }
    }

    func restart(_ name: String, settings: Settings = .scenario) async throws {
        try await stop(name)
        try await start(name, settings: settings)
    }

    private func stopEverything() async {
        for name in running.keys { try? await stop(name) }
    }

    // MARK: Commands, as the ingress sends them

    /// Sends `command` and waits for its outcome; a test fails when none comes.
    nonisolated func send<Command: Warren.Message>(_ command: Command, correlationId: String? = nil) async throws -> Outcome {
        let body = try JSONEncoder().encode(command)
        guard let outcome = try await client.send(command: Command.type, body: body, correlationId: correlationId, wait: .seconds(30)) else {
            throw TestFailure("\(Command.type): no outcome within 30 s")
        }
        return outcome
    }

    /// `POST /cleaningReservations`.
    nonisolated func reserve(on date: String = "2026-12-01", at place: String = "Seoul", price: Int = 100,
                             payKind: String = "card") async throws -> Outcome {
        try await send(Reservation.RequestCleaning(requestDate: date, place: place, price: Price(Decimal(price)), payKind: payKind))
    }

    /// `POST /paymethods`.
    nonisolated func registerCard(_ number: String, kind: String = "credit", requestId: Int) async throws -> Outcome {
        try await send(PayMethod.RegisterPayMethod(kind: kind, number: number, requestId: requestId,
                                                   payKindRegStatus: "PaymentKindRegistered"))
    }

    // MARK: Views, as a user reads them

    /// `warren trace CORRELATION-ID` on this fleet's database and vhost.
    nonisolated func trace(_ correlationId: String) async throws -> Conversation {
        let system = try #require(harness.fleet.system(named: CleaningSystem.name))
        let reader = ConversationReader(system: system, databaseURL: harness.databaseURL,
                                        management: try ManagementAPI(url: LiveHarness.managementURL), vhost: harness.vhost)
        return try await reader.read(correlationId: correlationId)
    }

    nonisolated func dashboardStatus(of requestId: Int) async throws -> String? {
        try await harness.query("SELECT status FROM dashboard.dash_board_views WHERE request_id = \(requestId)", String.self).first
    }

    /// The statuses of the notifications about `requestId`, oldest first.
    nonisolated func messages(about requestId: Int) async throws -> [String] {
        try await harness.query("SELECT status FROM message.messages WHERE request_id = \(requestId) ORDER BY id", String.self)
    }

    nonisolated func reservationStatus(of id: Int) async throws -> String? {
        try await harness.query("SELECT status FROM reservation.cleaning_reservations WHERE id = \(id)", String.self).first
    }

    nonisolated func paymentStatuses(of requestId: Int) async throws -> [String] {
        try await harness.query("SELECT status FROM payment.payments WHERE request_id = \(requestId) ORDER BY id", String.self)
    }

    nonisolated func cleaningStatus(of requestId: Int) async throws -> String? {
        try await harness.query("SELECT status FROM cleaning.cleans WHERE request_id = \(requestId)", String.self).first
    }

    /// `SELECT count(*) ...` of any view.
    nonisolated func count(_ from: String) async throws -> Int {
        try await harness.query("SELECT count(*)::bigint FROM \(from)", Int.self)[0]
    }

    nonisolated func eventually(within seconds: Double = 30, _ what: String, _ condition: () async throws -> Bool) async throws {
        try await harness.eventually(within: seconds, what, condition)
    }

    /// Messages each consumer of `queue` (a replica) has taken, from the broker's per-channel
    /// statistics (refreshed every few seconds; a consumer the broker has not described yet
    /// counts 0).
    nonisolated func deliveriesPerConsumer(of queue: String) async throws -> [Int] {
        let api = try ManagementAPI(url: LiveHarness.managementURL)
        let consumers: [JSONValue] = try await api.get(ManagementAPI.path("consumers", harness.vhost))
        let channels: [JSONValue] = try await api.get(ManagementAPI.path("vhosts", harness.vhost, "channels"))
        var delivered: [String: Int] = [:]
        for channel in channels {
            if case .string(let name) = channel["name"], case .integer(let count) = channel["message_stats"]?["deliver_get"] {
                delivered[name] = Int(count)
            }
        }
        return consumers.filter { $0["queue"]?["name"] == .string(queue) }.map { consumer in
            guard case .string(let channel) = consumer["channel_details"]?["name"] else { return 0 }
            return delivered[channel] ?? 0
        }
    }
}

extension Settings {
    /// Every context's settings in a scenario: a card key for paymethod, room for every job.
    static var scenario: Settings {
        var settings = Settings()
        settings.cardHashKey = Array("scenario-card-key-0123456789".utf8)
        settings.capacityPerDay = 1000
        return settings
    }

    func with(_ change: (inout Settings) -> Void) -> Settings {
        var settings = self
        change(&settings)
        return settings
    }
}

extension Outcome {
    /// The key of the created resource, as a number (a test fails with the outcome otherwise).
    func createdId() throws -> Int {
        guard result == .created, let id, let number = Int(id) else { throw TestFailure("expected a created resource, got \(self)") }
        return number
    }

    var refusalKind: Refusal.Kind? { refusal?.kind }
}
