import Postgres
import Warren

/// The book catalogue (`GET /books`): each book's state, built only from rental's events, so
/// reservations and rentals go on while it is stopped and it catches up after a restart.
public enum Book {
    /// A row of the `books` view (table `books`).
    struct BookRecord: Codable, Sendable, Hashable {
        var id: Int
        var memberId: Int
        var rentalId: Int
        var bookStatus: String
    }

    /// What a book's state is once its rental reached `state`: a cancelled reservation makes the
    /// book available again.
    static func bookStatus(after state: RentalState) -> String {
        switch state {
        case .reserve: "reserved"
        case .rental, .kioskrental: "rented"
        case .return, .kioskreturn: "returned"
        case .cancel: "available"
        }
    }

    /// The book worker: `warren worker library/book`.
    static func context() -> BoundedContext {
        var context = BoundedContext("book", system: LibrarySystem.name, migrations: migrations)
        context.catalogue(Rental.Reserved.self)
        context.catalogue(Rental.Rentaled.self)
        context.catalogue(Rental.Returned.self)
        context.catalogue(Rental.Cancelled.self)
        context.catalogue(Rental.KioskRentaled.self)
        context.catalogue(Rental.KioskReturned.self)
        return context
    }

    /// Shows the event's rental on its book unless a later event is already shown.
    static func apply(_ event: some Rental.Event, on database: PostgresConnection) async throws {
        guard let state = RentalState(rawValue: event.reqState) else {
            throw PermanentFailure.rejected("unknown rental state `\(event.reqState)`")
        }
        try await database.execute("""
            INSERT INTO books (id, member_id, rental_id, book_status, version)
            VALUES (\(event.bookId), \(event.memberId), \(event.rentalId), \(bookStatus(after: state)), \(event.version))
            ON CONFLICT (id) DO UPDATE SET member_id = EXCLUDED.member_id, rental_id = EXCLUDED.rental_id,
                book_status = EXCLUDED.book_status, version = EXCLUDED.version
            WHERE books.version < EXCLUDED.version
            """, prepared: true)
    }
}

extension BoundedContext {
    fileprivate mutating func catalogue<Event: Rental.Event>(_ type: Event.Type) {
        on(Event.self) { event, handling in try await Book.apply(event, on: handling.database) }
    }
}
