import Foundation
import Postgres
import Warren

/// The CQRS view of every reservation (`GET /dashBoardViews`), built only from events.
public enum Dashboard {
    static let migrations = [
        Migration(1, "dashboard views", """
            CREATE TABLE dash_board_views (
                request_id bigint PRIMARY KEY,
                pay_kind text,
                place text,
                price numeric,
                request_date text,
                status text NOT NULL
            )
            """),
        // Each view row's merge state (values with the ranks of their events, see
        // DashboardEntry), kept beside the view so the ingress reads plain columns.
        Migration(2, "dashboard entries", """
            CREATE TABLE dash_board_entries (
                request_id bigint PRIMARY KEY,
                entry text NOT NULL
            )
            """),
    ]

    /// The dashboard worker: `warren worker dashboard`.
    static func context() -> BoundedContext {
        var context = BoundedContext("dashboard", system: CleaningSystem.name, migrations: migrations)
        context.project(Reservation.CleaningRequested.self)
        context.project(Reservation.CleaningRequestCanceled.self)
        context.project(Payment.PayConfirmed.self)
        context.project(Payment.PayCancelConfirmed.self)
        context.project(Cleaning.CleaningConfirmed.self)
        context.project(Cleaning.CleaningRejected.self)
        context.project(Cleaning.CleaningCompleted.self)
        context.project(PayMethod.KindRegistered.self)
        context.project(PayMethod.KindChanged.self)
        return context
    }

    /// Merges one event into its request's entry and rewrites the view row.
    ///
    /// The first event of a request inserts its entry; concurrent first events of the same
    /// request meet on the primary key (the second waits for the first to commit, then finds
    /// the row), and the row lock orders every later merge.
    static func apply(_ fact: DashboardEntry, on database: PostgresConnection) async throws {
        let encoded = String(decoding: try JSONEncoder.sorted.encode(fact), as: UTF8.self)
        let inserted = try await database.execute("""
            INSERT INTO dash_board_entries (request_id, entry) VALUES (\(fact.requestId), \(encoded)) ON CONFLICT (request_id) DO NOTHING
            """, prepared: true)
        var entry = fact
        if inserted == 0 {
            let stored = try await database.query("SELECT entry FROM dash_board_entries WHERE request_id = \(fact.requestId) FOR UPDATE",
                                                  prepared: true)[0].decode(String.self, at: 0)
            let previous = try JSONDecoder().decode(DashboardEntry.self, from: Data(stored.utf8))
            entry = previous.merged(with: fact)
            guard entry != previous else { return }
            try await database.execute("""
                UPDATE dash_board_entries SET entry = \(String(decoding: try JSONEncoder.sorted.encode(entry), as: UTF8.self))
                WHERE request_id = \(fact.requestId)
                """, prepared: true)
        }
        let view = entry.view
        try await database.execute("""
            INSERT INTO dash_board_views (request_id, pay_kind, place, price, request_date, status)
            VALUES (\(view.requestId), \(view.payKind), \(view.place), \(view.price), \(view.requestDate), \(view.status))
            ON CONFLICT (request_id) DO UPDATE SET pay_kind = EXCLUDED.pay_kind, place = EXCLUDED.place, price = EXCLUDED.price,
                request_date = EXCLUDED.request_date, status = EXCLUDED.status
            """, prepared: true)
    }
}

extension BoundedContext {
    fileprivate mutating func project<Event: DashboardFact>(_ type: Event.Type) {
        on(Event.self) { event, handling in
            try await Dashboard.apply(event.dashboardEntry, on: handling.database)
        }
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }
}
