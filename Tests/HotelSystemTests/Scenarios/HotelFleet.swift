import Foundation
import Testing
import Warren
import WarrenTesting
@testable import BrokerAdmin
@testable import HotelSystem

/// The hotel system on real servers for one scenario: its workers running in this process on a
/// private vhost and database (`LiveHarness`), and the RPC client the ingress sends commands
/// with. Scenarios start, stop and restart workers through it, send the commands the ingress
/// sends for the original's HTTPie requests, and read what a user would see in the views.
actor HotelFleet {
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
    static func with(running contexts: [String] = HotelSystem.contextNames, settings: Settings = Settings(),
                     _ body: (HotelFleet) async throws -> Void) async throws {
        try await LiveHarness.with(topology: topology, system: HotelSystem.name) { harness in
            try await harness.withClient(caller: "ingress") { client in
                let fleet = HotelFleet(harness: harness, client: client)
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

    /// Starts one more replica of `name`, as `warren worker hotel/NAME` would with these settings.
    func start(_ name: String, settings: Settings = Settings(), breaker: CircuitBreaker.Settings? = nil) async throws {
        let context = try #require(HotelSystem.context(named: name, settings: settings), "no context \(name)")
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
        guard let outcome = try await client.send(command: Command.type, body: body, correlationId: nil, wait: .seconds(30)) else {
            throw TestFailure("\(Command.type): no outcome within 30 s")
        }
        return outcome
    }

    /// `http :8080/orders name="BJ.Kang" cardNo=111 status="order start"`.
    nonisolated func book(_ name: String = "BJ.Kang", cardNo: String = "111") async throws -> Outcome {
        try await send(Order.PlaceOrder(name: name, cardNo: cardNo, status: "order start"))
    }

    /// `http :8080/confirmations orderId=ID status="Confirmed"` (or `"Canceled"`).
    nonisolated func decide(_ orderId: Int, _ status: String) async throws -> Outcome {
        try await send(Hotel.ConfirmReservation(orderId: orderId, status: status))
    }

    // MARK: Views, as a user reads them

    /// `GET /orders/ID`'s status.
    nonisolated func orderStatus(of id: Int) async throws -> String? {
        try await harness.query("SELECT status FROM \"order\".orders WHERE id = \(id)", String.self).first
    }

    /// `GET /paymentHistories`' statuses of one booking.
    nonisolated func paymentStatuses(of orderId: Int) async throws -> [String] {
        try await harness.query("SELECT status FROM payment.payment_histories WHERE order_id = \(orderId) ORDER BY id", String.self)
    }

    /// `GET /reservations`' status of one booking (nil once it is deleted).
    nonisolated func reservationStatus(of orderId: Int) async throws -> String? {
        try await harness.query("SELECT status FROM reservation.reservations WHERE order_id = \(orderId)", String.self).first
    }

    /// `GET /confirmations`' status of one booking.
    nonisolated func confirmationStatus(of orderId: Int) async throws -> String? {
        try await harness.query("SELECT status FROM hotel.confirmations WHERE order_id = \(orderId)", String.self).first
    }

    /// `GET /mypages/ID`: status, name and whether the reservation and cancellation ids are known.
    nonisolated func mypage(of orderId: Int) async throws -> String? {
        try await harness.query("""
            SELECT status || '|' || coalesce(name, '-') || '|' || (reservation_id IS NOT NULL)::text || '|'
                   || (cancellation_id IS NOT NULL)::text
            FROM customer.mypages WHERE id = \(orderId)
            """, String.self).first
    }

    /// `GET /hotelViews/ID`: status, name and whether the confirmation id is known.
    nonisolated func hotelView(of orderId: Int) async throws -> String? {
        try await harness.query("""
            SELECT status || '|' || coalesce(name, '-') || '|' || (confirmation_id IS NOT NULL)::text
            FROM customer.hotel_views WHERE id = \(orderId)
            """, String.self).first
    }

    /// The events `GET /notifications` tells of one booking, in name order.
    nonisolated func notifications(about orderId: Int) async throws -> [String] {
        try await harness.query("SELECT event FROM customer.notifications WHERE order_id = \(orderId) ORDER BY event", String.self)
    }

    /// One booking as every view shows it, read at once so a condition can look at several.
    struct Booking: Equatable {
        var order: String?
        var payments: [String]
        var reservation: String?
        var confirmation: String?
        var mypage: String?
        var hotelView: String?
        var notifications: [String]
    }

    nonisolated func booking(_ orderId: Int) async throws -> Booking {
        Booking(order: try await orderStatus(of: orderId), payments: try await paymentStatuses(of: orderId),
                reservation: try await reservationStatus(of: orderId), confirmation: try await confirmationStatus(of: orderId),
                mypage: try await mypage(of: orderId), hotelView: try await hotelView(of: orderId),
                notifications: try await notifications(about: orderId))
    }

    /// `SELECT count(*) ...` of any table.
    nonisolated func count(_ from: String) async throws -> Int {
        try await harness.query("SELECT count(*)::bigint FROM \(from)", Int.self)[0]
    }

    nonisolated func eventually(within seconds: Double = 30, _ what: String, _ condition: () async throws -> Bool) async throws {
        try await harness.eventually(within: seconds, what, condition)
    }

    /// Messages each consumer of `queue` (a replica) has taken, from the broker's per-channel
    /// statistics (refreshed every few seconds; a consumer not described yet counts 0).
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

    /// The same invariants the chaos suite checks, once the fleet is quiet: every booking
    /// answered 201 is paid once and reserved, and nothing else is charged or reserved.
    nonisolated func expectEveryPaidBookingReservedAndNothingElseCharged(_ what: String) async throws {
        try await eventually(what) {
            async let ordered = count("\"order\".orders WHERE status = 'Ordered'")
            async let charged = count("payment.payment_histories WHERE status = 'Pay OK'")
            async let reserved = count("reservation.reservations")
            let counts = try await [ordered, charged, reserved]
            return counts.allSatisfy { $0 == counts[0] }
        }
        #expect(try await count("""
            "order".orders o LEFT JOIN payment.payment_histories p ON p.order_id = o.id
            WHERE o.status = 'Ordered' AND (p.status IS DISTINCT FROM 'Pay OK')
            """) == 0, "every booking answered 201 is paid")
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
}
