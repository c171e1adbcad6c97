import Foundation
import Testing
import Warren
import WarrenTesting
@testable import BrokerAdmin
@testable import CoffeeSystem

/// The coffee system on real servers for one scenario: its workers running in this process
/// on a private vhost and database (`LiveHarness`), and the RPC client the ingress sends
/// commands with. Scenarios start, stop and restart workers through it, send commands as the
/// ingress does, and read what a user would see in the views.
actor CoffeeFleet {
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
    static func with(running contexts: [String] = CoffeeSystem.contextNames, settings: Settings = Settings(),
                     _ body: (CoffeeFleet) async throws -> Void) async throws {
        try await LiveHarness.with(topology: topology, system: CoffeeSystem.name) { harness in
            try await harness.withClient(caller: "ingress") { client in
                let fleet = CoffeeFleet(harness: harness, client: client)
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

    /// Starts one more replica of `name`, as `warren worker coffee/NAME` would with these settings.
    func start(_ name: String, settings: Settings = Settings(), breaker: CircuitBreaker.Settings? = nil) async throws {
        let context = try #require(CoffeeSystem.context(named: name, settings: settings), "no context \(name)")
        let worker = try await harness.start(context) { configuration in
            if let breaker { configuration.breaker = breaker }
        }
        running[name, default: []].append(worker)
    }

    /// Stops every replica of `name` gracefully (SIGTERM's path: in-flight work finishes).
    func stop(_ name: String) async throws {
        for worker in running.removeValue(forKey: name) ?? [] { try await worker.stop() }
    }

    private func stopEverything() async {
        for name in running.keys { try? await stop(name) }
    }

    // MARK: Commands, as the ingress sends them

    /// Sends `command` and waits for its outcome; a test fails when none comes.
    nonisolated func send<Command: Warren.Message>(_ command: Command) async throws -> Outcome {
        let body = try JSONEncoder().encode(command)
        guard let outcome = try await client.send(command: Command.type, body: body, wait: .seconds(30)) else {
            throw TestFailure("\(Command.type): no outcome within 30 s")
        }
        return outcome
    }

    /// `POST /products price=... status=...`; the new product's id.
    nonisolated func register(price: Int, _ status: Product.Status = .available) async throws -> Int {
        try await send(Product.RegisterProduct(price: Price(Decimal(price)), status: status)).createdId()
    }

    /// `PATCH /products/{id} status=... price=...`.
    nonisolated func change(_ id: Int, price: Int? = nil, _ status: Product.Status? = nil) async throws -> Outcome {
        try await send(Product.ChangeProduct(id: id, price: price.map { Price(Decimal($0)) }, status: status))
    }

    /// `POST /orders productId=...`.
    nonisolated func order(_ productId: Int) async throws -> Outcome {
        try await send(Order.PlaceOrder(productId: productId))
    }

    // MARK: Views, as a user reads them

    /// `GET /orderProducts/{id}`: the order context's copy, as "price status".
    nonisolated func orderCopy(of id: Int) async throws -> String? {
        try await harness.query("SELECT price::text || ' ' || status FROM \"order\".order_products WHERE id = \(id)", String.self).first
    }

    /// `GET /reports/{productId}`, as "price status".
    nonisolated func report(of id: Int) async throws -> String? {
        try await harness.query("SELECT price::text || ' ' || status FROM report.reports WHERE product_id = \(id)", String.self).first
    }

    /// `GET /sales/{productId}`, as "orders amount".
    nonisolated func sales(of id: Int) async throws -> String? {
        try await harness.query("SELECT orders::text || ' ' || amount::text FROM report.sales WHERE product_id = \(id)", String.self).first
    }

    /// `GET /notifications` about one product: "previous->status", oldest change first.
    nonisolated func notifications(about id: Int) async throws -> [String] {
        try await harness.query("""
            SELECT previous_status || '->' || status FROM report.notifications WHERE product_id = \(id) ORDER BY version
            """, String.self)
    }

    /// Every row of a table as text, sorted, for comparing whole views.
    nonisolated func rows(_ sql: String) async throws -> [String] {
        try await harness.query("SELECT t::text FROM (\(sql)) AS t ORDER BY 1", String.self)
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
    var reason: String { refusal?.reason ?? "" }
}
