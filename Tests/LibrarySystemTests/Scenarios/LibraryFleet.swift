import Foundation
import Testing
import Warren
import WarrenTesting
@testable import LibrarySystem

/// The library system on real servers for one scenario: its workers running in this process on
/// a private vhost and database (`LiveHarness`), and the RPC client the ingress sends commands
/// with. Scenarios start, stop and restart workers through it, send the commands the ingress
/// sends for the original's HTTP requests, and read what the GETs would show.
actor LibraryFleet {
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
    static func with(running contexts: [String] = LibrarySystem.contextNames, settings: Settings = Settings(),
                     _ body: (LibraryFleet) async throws -> Void) async throws {
        try await LiveHarness.with(topology: topology, system: LibrarySystem.name) { harness in
            try await harness.withClient(caller: "ingress") { client in
                let fleet = LibraryFleet(harness: harness, client: client)
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

    /// Starts one more replica of `name`, as `warren worker library/NAME` would with these settings.
    func start(_ name: String, settings: Settings = Settings(), breaker: CircuitBreaker.Settings? = nil) async throws {
        let context = try #require(LibrarySystem.context(named: name, settings: settings), "no context \(name)")
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

    /// `http POST :8080/rentals memberId=M bookId=B`
    nonisolated func reserve(member: Int = 1, book: Int = 1) async throws -> Outcome {
        try await send(Rental.Reserve(memberId: member, bookId: book))
    }

    /// `http PATCH :8080/rentals/ID reqState=STATE [kioskNo=N]`
    nonisolated func patch(_ id: Int, _ reqState: String, kioskNo: Int? = nil) async throws -> Outcome {
        try await send(Rental.ChangeRental(id: id, reqState: reqState, kioskNo: kioskNo))
    }

    // MARK: Views, as a user reads them

    /// `GET /rentals/ID`'s reqState.
    nonisolated func rentalState(_ id: Int) async throws -> String? {
        try await harness.query("SELECT req_state FROM rental.rentals WHERE id = \(id)", String.self).first
    }

    /// `GET /books/ID`: "status by member M for rental R".
    nonisolated func book(_ id: Int) async throws -> String? {
        try await harness.query("""
            SELECT book_status || ' by member ' || member_id || ' for rental ' || rental_id FROM book.books WHERE id = \(id)
            """, String.self).first
    }

    /// `GET /payments`: the statuses of the payments of rental `id`.
    nonisolated func payments(of id: Int) async throws -> [String] {
        try await harness.query("SELECT status FROM payment.payments WHERE rental_id = \(id) ORDER BY id", String.self)
    }

    /// `GET /mypages/M`: "reserved {..} rented {..} returned {..} cancelled {..}".
    nonisolated func mypage(_ member: Int) async throws -> String? {
        try await harness.query("""
            SELECT 'reserved ' || reserved_book_ids::text || ' rented ' || rented_book_ids::text
                || ' returned ' || returned_book_ids::text || ' cancelled ' || cancelled_book_ids::text
            FROM mypage.mypages WHERE member_id = \(member)
            """, String.self).first
    }

    /// `GET /reservationLists/ID`: "reqState, payStatus".
    nonisolated func reservationList(_ id: Int) async throws -> String? {
        try await harness.query("""
            SELECT coalesce(req_state, '-') || ', ' || coalesce(pay_status, '-') FROM mypage.reservation_lists WHERE id = \(id)
            """, String.self).first
    }

    /// `GET /kiosks`: "status at kiosk N" of rental `id`.
    nonisolated func kiosk(of id: Int) async throws -> String? {
        try await harness.query("SELECT book_status || ' at kiosk ' || kiosk_no FROM kiosk.kiosks WHERE rental_id = \(id)", String.self).first
    }

    /// `SELECT count(*) FROM ...` of any table.
    nonisolated func count(_ from: String) async throws -> Int {
        try await harness.query("SELECT count(*)::bigint FROM \(from)", Int.self)[0]
    }

    /// Rows of a query, each as PostgreSQL's text of the row.
    nonisolated func rows(_ sql: String) async throws -> [String] {
        try await harness.query("SELECT t::text FROM (\(sql)) AS t", String.self)
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
    /// The key of the created resource, as a number (a test fails with the outcome otherwise).
    func createdId() throws -> Int {
        guard result == .created, let id, let number = Int(id) else { throw TestFailure("expected a created resource, got \(self)") }
        return number
    }

    var refusalKind: Refusal.Kind? { refusal?.kind }
}

/// A reproducible shuffle (SplitMix64), so a failing order can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1330_11EB
        return z ^ (z >> 31)
    }
}
