import Warren

extension Payment {
    static let migrations = [
        Migration(1, "payments", """
            CREATE TABLE payments (
                id bigserial PRIMARY KEY,
                rental_id bigint NOT NULL UNIQUE,
                member_id bigint NOT NULL,
                book_id bigint NOT NULL,
                status text NOT NULL
            )
            """),
        // Every void and every refund request, known payment or not: a rental id found here is
        // never paid afterwards (a void may overtake the payment it voids).
        Migration(2, "cancellations", """
            CREATE TABLE cancellations (
                rental_id bigint PRIMARY KEY,
                cause text NOT NULL,
                payment_id bigint,
                recorded_at timestamptz NOT NULL DEFAULT now()
            )
            """),
    ]
}
