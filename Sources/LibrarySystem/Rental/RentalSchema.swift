import Warren

extension Rental {
    static let migrations = [
        Migration(1, "rentals", """
            CREATE TABLE rentals (
                id bigint PRIMARY KEY,
                member_id bigint NOT NULL,
                book_id bigint NOT NULL,
                req_state text NOT NULL,
                kiosk_no bigint
            )
            """),
        // Orders every rental event (`version`): the views keep each rental's and each book's
        // highest. A sequence, not a counter row, so concurrent rentals of one book never queue.
        Migration(2, "event versions", "CREATE SEQUENCE event_versions"),
        // A reservation payment did not pay (refused, or payment unavailable): kept for the
        // operator, out of the view, so GET /rentals lists rentals only.
        Migration(3, "refused reservations", """
            CREATE TABLE refused_reservations (
                id bigint PRIMARY KEY,
                member_id bigint NOT NULL,
                book_id bigint NOT NULL,
                refusal text NOT NULL,
                reason text NOT NULL,
                refused_at timestamptz NOT NULL DEFAULT now()
            )
            """),
    ]
}
