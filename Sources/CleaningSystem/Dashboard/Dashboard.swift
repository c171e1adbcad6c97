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
        // The ranks move into the view row itself, so that one upsert merges an event (saga
        // bill: 7 of a cleaning saga's 54 statements were the entry's read-modify-write).
        Migration(3, "dashboard ranks in the view", """
            ALTER TABLE dash_board_views
                ADD COLUMN status_rank int, ADD COLUMN pay_kind_rank int, ADD COLUMN place_rank int,
                ADD COLUMN price_rank int, ADD COLUMN request_date_rank int;
            UPDATE dash_board_views AS v SET
                status_rank = (e.entry::jsonb #>> '{status,rank}')::int,
                pay_kind_rank = (e.entry::jsonb #>> '{payKind,rank}')::int,
                place_rank = (e.entry::jsonb #>> '{place,rank}')::int,
                price_rank = (e.entry::jsonb #>> '{price,rank}')::int,
                request_date_rank = (e.entry::jsonb #>> '{requestDate,rank}')::int
            FROM dash_board_entries AS e WHERE e.request_id = v.request_id;
            DROP TABLE dash_board_entries
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

    /// Merges one event into its request's view row in one statement.
    ///
    /// Each column keeps the value of the highest-ranked event that carried it (ties: the
    /// greater value), DashboardEntry's rule, so any order of any number of copies of the same
    /// events ends in the same row. The first event of a request inserts the row; concurrent
    /// first events meet on the primary key, and the row lock orders every later merge. An
    /// event that changes nothing writes nothing.
    static func apply(_ fact: DashboardEntry, on database: PostgresConnection) async throws {
        try await database.execute("""
            INSERT INTO dash_board_views AS v (request_id, status, status_rank, pay_kind, pay_kind_rank, place, place_rank,
                price, price_rank, request_date, request_date_rank)
            VALUES (\(fact.requestId), \(fact.status?.value ?? ""), \(fact.status?.rank), \(fact.payKind?.value), \(fact.payKind?.rank),
                \(fact.place?.value), \(fact.place?.rank), \(fact.price?.value), \(fact.price?.rank),
                \(fact.requestDate?.value), \(fact.requestDate?.rank))
            ON CONFLICT (request_id) DO UPDATE SET \(unescaped: merge)
            """, prepared: true)
    }

    /// The ranked columns of `dash_board_views`, each beside `<column>_rank`.
    static let rankedColumns = ["status", "pay_kind", "place", "price", "request_date"]

    /// `SET` of every ranked column from the event when it wins, and `WHERE` one of them does.
    static let merge: String = {
        func wins(_ column: String) -> String {
            "(EXCLUDED.\(column)_rank IS NOT NULL AND (v.\(column)_rank IS NULL"
                + " OR (EXCLUDED.\(column)_rank, EXCLUDED.\(column)) > (v.\(column)_rank, v.\(column))))"
        }
        let assignments = rankedColumns.map { column in
            "\(column) = CASE WHEN \(wins(column)) THEN EXCLUDED.\(column) ELSE v.\(column) END, "
                + "\(column)_rank = CASE WHEN \(wins(column)) THEN EXCLUDED.\(column)_rank ELSE v.\(column)_rank END"
        }
        return assignments.joined(separator: ", ") + " WHERE " + rankedColumns.map(wins).joined(separator: " OR ")
    }()
}

extension BoundedContext {
    fileprivate mutating func project<Event: DashboardFact>(_ type: Event.Type) {
        on(Event.self) { event, handling in
            try await Dashboard.apply(event.dashboardEntry, on: handling.database)
        }
    }
}
