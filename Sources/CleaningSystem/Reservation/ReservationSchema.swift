import Warren

extension Reservation {
    static let migrations = [
        Migration(1, "cleaning reservations", """
            CREATE TABLE cleaning_reservations (
                id bigint PRIMARY KEY,
                request_date text NOT NULL,
                place text NOT NULL,
                price numeric NOT NULL,
                pay_kind text NOT NULL,
                status text NOT NULL
            )
            """),
        // A request payment did not approve (declined, or payment unavailable): kept for the
        // operator, out of the view, so GET /cleaningReservations lists reservations only.
        Migration(2, "refused requests", """
            CREATE TABLE refused_requests (
                id bigint PRIMARY KEY,
                request_date text NOT NULL,
                place text NOT NULL,
                price numeric NOT NULL,
                pay_kind text NOT NULL,
                refusal text NOT NULL,
                reason text NOT NULL,
                refused_at timestamptz NOT NULL DEFAULT now()
            )
            """),
    ]
}
