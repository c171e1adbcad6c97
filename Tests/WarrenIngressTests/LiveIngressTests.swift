import CleaningSystem
import Foundation
import HummingbirdTesting
import Logging
import Postgres
import Testing
import Warren
import WarrenTesting
@testable import WarrenIngress

/// The ingress end to end: its real `RPCClient` in front of real cleaning workers, on a private
/// vhost and database of the servers `scripts/test` started (`LiveHarness`), views and outcomes
/// read as `warren_reader`.
@Suite struct LiveIngressTests {
    static let topology = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("topology").path
    static let settings = ["PAYMETHOD_HASH_KEY": "live-ingress-test-key-0123456789", "CLEANING_CAPACITY_PER_DAY": "1000"]

    /// A retried POST with the same `Idempotency-Key` publishes the same message id: the
    /// worker's inbox answers with the outcome stored the first time, and nothing happens twice
    /// (one reservation, one payment); another key is another reservation.
    @Test func anIdempotencyKeyRetryGetsTheFirstAnswerAndOneEffect() async throws {
        try await Self.withCleaning(running: ["payment", "reservation"]) { harness, http, _ in
            let booking = #"{"requestDate":"2026-12-01","place":"Seoul","price":"100","payKind":"card"}"#
            let first = try await http.send(.post, "/cleaningReservations", json: booking, headers: [.idempotencyKey: "booking-1"])
            #expect(first.status == .created, "\(first.text)")
            let retry = try await http.send(.post, "/cleaningReservations", json: booking, headers: [.idempotencyKey: "booking-1"])
            #expect(retry.status == .created, "\(retry.text)")
            #expect(retry.headers[.location] == first.headers[.location])
            #expect(retry.headers[.messageId] == first.headers[.messageId])
            #expect(retry.json == first.json)
            #expect(first.json["status"] == .string("CleaningRequested"))

            let other = try await http.send(.post, "/cleaningReservations", json: booking, headers: [.idempotencyKey: "booking-2"])
            #expect(other.status == .created)
            #expect(other.headers[.location] != first.headers[.location])

            #expect(try await harness.query("SELECT count(*)::bigint FROM reservation.cleaning_reservations", Int.self) == [2])
            #expect(try await harness.query("SELECT count(*)::bigint FROM payment.payments", Int.self) == [2])
        }
    }

    /// A command whose worker is not running answers 202 with a `Location` once the route's wait
    /// (3 s for `/paymethods`) is over; polling it says 202 until the worker, started only then,
    /// has handled the command, and then gives the answer the POST would have had.
    @Test func a202IsPolledToCompletionOnceTheWorkerRuns() async throws {
        try await Self.withCleaning(running: ["payment"]) { harness, http, start in
            let card = #"{"kind":"credit","number":"40095003","requestId":"1","payKindRegStatus":"PaymentKindRegistered"}"#
            let accepted = try await http.send(.post, "/paymethods", json: card)
            #expect(accepted.status == .accepted, "\(accepted.text)")
            let location = try #require(accepted.headers[.location])
            #expect(location.hasPrefix("http://localhost/outcomes/paymethod/"))
            let poll = String(location.dropFirst("http://localhost".count))
            #expect(try await http.send(.get, poll).status == .accepted)

            try await start("paymethod")
            var answer = try await http.send(.get, poll)
            for _ in 0..<200 where answer.status == .accepted {
                try await Task.sleep(for: .milliseconds(100))
                answer = try await http.send(.get, poll)
            }
            #expect(answer.status == .created, "\(answer.text)")
            #expect(answer.json["numberMasked"] == .string("****5003"))
            #expect(answer.json["requestId"] == .integer(1))
            let created = try #require(answer.headers[.location])
            #expect(created.hasPrefix("http://localhost/paymethods/"))
            let item = try await http.send(.get, String(created.dropFirst("http://localhost".count)))
            #expect(item.status == .ok)
            #expect(item.json["id"] == answer.json["id"])
            #expect(try await harness.query("SELECT count(*)::bigint FROM paymethod.paymethods", Int.self) == [1])
        }
    }

    // MARK: The fleet

    /// A private vhost and database with the cleaning topology, the `running` workers in this
    /// process, and the cleaning ingress (HummingbirdTesting's router transport) on a real RPC
    /// client; `start` starts another worker. Every worker is stopped afterwards.
    static func withCleaning(running: [String],
                             _ test: @escaping @Sendable (LiveHarness, any TestClientProtocol,
                                                          @escaping @Sendable (String) async throws -> Void) async throws -> Void) async throws {
        try await LiveHarness.with(topology: topology, system: CleaningSystem.name) { harness in
            // The ingress's read-only role (scripts/servers creates it; a test may run without).
            // It must exist before the workers migrate, which is when they grant it SELECT.
            try await ensureReaderRole(harness)
            let workers = Workers()
            do {
                for name in running { try await workers.start(name, harness) }
                try await harness.withClient(caller: "ingress") { client in
                    let postgres = try PostgresConfiguration(url: harness.databaseURL)
                    var configuration = IngressConfiguration(
                        amqpURL: harness.amqpURL,
                        readDatabaseURL: "postgres://warren_reader:warren_reader@\(postgres.host):\(postgres.port)/\(harness.database)")
                    configuration.topologyDirectory = topology
                    configuration.host = "127.0.0.1"
                    configuration.port = 0
                    configuration.readConnections = 2
                    let application = try IngressApplication.application(system: "cleaning", configuration: configuration,
                                                                          dispatcher: client, logger: Logger(label: "test.ingress"))
                    try await application.test(.router) { http in
                        try await test(harness, http) { name in try await workers.start(name, harness) }
                    }
                }
            } catch {
                await workers.stopAll()
                throw error
            }
            await workers.stopAll()
        }
    }

    static func ensureReaderRole(_ harness: LiveHarness) async throws {
        let connection = try await PostgresConnection.connect(PostgresConfiguration(url: harness.databaseURL), logger: harness.logger)
        defer { Task { await connection.close() } }
        try await connection.execute("""
            DO $$ BEGIN CREATE ROLE warren_reader LOGIN PASSWORD 'warren_reader';
            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$
            """, [])
    }

    actor Workers {
        private var running: [RunningWorker] = []

        func start(_ name: String, _ harness: LiveHarness) async throws {
            let context = try #require(try CleaningSystem.context(named: name, environment: LiveIngressTests.settings))
            running.append(try await harness.start(context))
        }

        func stopAll() async {
            for worker in running.reversed() { try? await worker.stop() }
            running = []
        }
    }
}
