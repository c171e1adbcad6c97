import Postgres
import Warren

/// The members' CQRS views, built only from events: `reservationLists` (each rental, its state
/// and its payment) and `mypages` (per member, `GET /mypages/{memberId}`: the books of their
/// rentals by state). Any order, any number of copies of the same events end in the same rows:
/// a rental's state keeps the highest event version, its payment the highest rank, and a
/// member's page is recomputed from their rentals.
public enum MyPage {
    /// The mypage worker: `warren worker library/mypage`.
    static func context() -> BoundedContext {
        var context = BoundedContext("mypage", system: LibrarySystem.name, migrations: migrations)
        context.project(Rental.Reserved.self)
        context.project(Rental.Rentaled.self)
        context.project(Rental.Returned.self)
        context.project(Rental.Cancelled.self)
        context.project(Rental.KioskRentaled.self)
        context.project(Rental.KioskReturned.self)
        context.on(Payment.Paid.self) { paid, handling in
            try await applyPayment(rentalId: paid.rentalId, memberId: paid.memberId, bookId: paid.bookId,
                                   status: paid.status, rank: PayRank.paid, on: handling.database)
        }
        context.on(Payment.PaymentCancelled.self) { cancelled, handling in
            try await applyPayment(rentalId: cancelled.rentalId, memberId: cancelled.memberId, bookId: cancelled.bookId,
                                   status: cancelled.status, rank: PayRank.cancelled, on: handling.database)
        }
        context.on(Kiosk.SelfRentaled.self) { rentaled, handling in
            try await applyKiosk(rentalId: rentaled.rentalId, memberId: rentaled.memberId, bookId: rentaled.bookId,
                                 status: rentaled.bookStatus, rank: KioskRank.rented, on: handling.database)
        }
        context.on(Kiosk.SelfReturned.self) { returned, handling in
            try await applyKiosk(rentalId: returned.rentalId, memberId: returned.memberId, bookId: returned.bookId,
                                 status: returned.bookStatus, rank: KioskRank.returned, on: handling.database)
        }
        return context
    }

    /// A self return is the last word of a kiosk.
    enum KioskRank {
        static let rented = 1, returned = 2
    }

    /// A refund is the last word on a payment.
    enum PayRank {
        static let paid = 1, cancelled = 2
    }

    /// A row of the `reservationLists` view (table `reservation_lists`).
    struct ReservationListRecord: Codable, Sendable, Hashable {
        var id: Int
        var memberId: Int
        var bookId: Int
        var reqState: String
        var kioskNo: Int?
        var payStatus: String?
        var kioskStatus: String?
    }

    /// A row of the `mypages` view (table `mypages`).
    struct MyPageRecord: Codable, Sendable, Hashable {
        var memberId: Int
        var reservedBookIds: [Int]
        var rentedBookIds: [Int]
        var returnedBookIds: [Int]
        var cancelledBookIds: [Int]
    }

    static func applyRental(_ event: some Rental.Event, on database: PostgresConnection) async throws {
        try await lockMember(event.memberId, on: database)
        try await database.execute("""
            INSERT INTO rental_facts (id, member_id, book_id, req_state, kiosk_no, version)
            VALUES (\(event.rentalId), \(event.memberId), \(event.bookId), \(event.reqState), \(event.kioskNo), \(event.version))
            ON CONFLICT (id) DO UPDATE SET req_state = EXCLUDED.req_state,
                kiosk_no = COALESCE(EXCLUDED.kiosk_no, rental_facts.kiosk_no), version = EXCLUDED.version
            WHERE rental_facts.version < EXCLUDED.version
            """, prepared: true)
        try await refreshList(of: event.rentalId, on: database)
        try await refreshPage(of: event.memberId, on: database)
    }

    static func applyPayment(rentalId: Int, memberId: Int, bookId: Int, status: String, rank: Int,
                             on database: PostgresConnection) async throws {
        try await database.execute("""
            INSERT INTO rental_facts (id, member_id, book_id, pay_status, pay_rank)
            VALUES (\(rentalId), \(memberId), \(bookId), \(status), \(rank))
            ON CONFLICT (id) DO UPDATE SET pay_status = EXCLUDED.pay_status, pay_rank = EXCLUDED.pay_rank
            WHERE rental_facts.pay_rank < EXCLUDED.pay_rank
            """, prepared: true)
        try await refreshList(of: rentalId, on: database)
    }

    /// What the kiosk recorded of a rental. The member's page does not change (only the rental's
    /// own events move a book between lists), so no turn is taken; so for a payment.
    static func applyKiosk(rentalId: Int, memberId: Int, bookId: Int, status: String, rank: Int,
                           on database: PostgresConnection) async throws {
        try await database.execute("""
            INSERT INTO rental_facts (id, member_id, book_id, kiosk_status, kiosk_rank)
            VALUES (\(rentalId), \(memberId), \(bookId), \(status), \(rank))
            ON CONFLICT (id) DO UPDATE SET kiosk_status = EXCLUDED.kiosk_status, kiosk_rank = EXCLUDED.kiosk_rank
            WHERE rental_facts.kiosk_rank < EXCLUDED.kiosk_rank
            """, prepared: true)
        try await refreshList(of: rentalId, on: database)
    }

    /// Rewrites a rental's row of `reservationLists` from its facts, once the rental is known.
    /// The facts' row lock (taken by the upsert before) orders the rewrites of one rental.
    private static func refreshList(of rentalId: Int, on database: PostgresConnection) async throws {
        try await database.execute("""
            INSERT INTO reservation_lists (id, member_id, book_id, req_state, kiosk_no, pay_status, kiosk_status)
            SELECT id, member_id, book_id, req_state, kiosk_no, pay_status, kiosk_status
            FROM rental_facts WHERE id = \(rentalId) AND req_state IS NOT NULL
            ON CONFLICT (id) DO UPDATE SET req_state = EXCLUDED.req_state, kiosk_no = EXCLUDED.kiosk_no,
                pay_status = EXCLUDED.pay_status, kiosk_status = EXCLUDED.kiosk_status
            """, prepared: true)
    }

    /// One member's events take turns until the transaction ends: the page is recomputed from
    /// their rentals, and two events recomputing it at once would each miss the other's change.
    private static func lockMember(_ memberId: Int, on database: PostgresConnection) async throws {
        try await database.execute("SELECT pg_advisory_xact_lock(hashtext('mypage.member'), hashtext(\(String(memberId))))",
                                   prepared: true)
    }

    /// Rewrites a member's page from their rentals (a rental only paid so far shows in no list).
    private static func refreshPage(of memberId: Int, on database: PostgresConnection) async throws {
        func books(_ states: String) -> String {
            "COALESCE(array_agg(book_id ORDER BY book_id, id) FILTER (WHERE req_state IN (\(states))), '{}')"
        }
        try await database.execute("""
            INSERT INTO mypages (member_id, reserved_book_ids, rented_book_ids, returned_book_ids, cancelled_book_ids)
            SELECT \(memberId), \(unescaped: books("'reserve'")), \(unescaped: books("'rental', 'kioskrental'")),
                   \(unescaped: books("'return', 'kioskreturn'")), \(unescaped: books("'cancel'"))
            FROM rental_facts WHERE member_id = \(memberId)
            ON CONFLICT (member_id) DO UPDATE SET reserved_book_ids = EXCLUDED.reserved_book_ids,
                rented_book_ids = EXCLUDED.rented_book_ids, returned_book_ids = EXCLUDED.returned_book_ids,
                cancelled_book_ids = EXCLUDED.cancelled_book_ids
            """, prepared: true)
    }
}

extension BoundedContext {
    fileprivate mutating func project<Event: Rental.Event>(_ type: Event.Type) {
        on(Event.self) { event, handling in try await MyPage.applyRental(event, on: handling.database) }
    }
}
