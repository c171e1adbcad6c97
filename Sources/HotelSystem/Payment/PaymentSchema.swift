import Warren

extension Payment {
    static let migrations = [
        // The view: one payment per order, its card masked (the digits are never stored).
        Migration(1, "payment histories", """
            CREATE TABLE payment_histories (
                id bigserial PRIMARY KEY,
                order_id bigint NOT NULL UNIQUE,
                card_no text NOT NULL,
                status text NOT NULL
            )
            """),
        // Every void and every refund request, known payment or not: an order id found here is
        // never paid afterwards (a void may overtake the payment it voids). Its id is the
        // refund's `cancellationId`.
        Migration(2, "cancellations", """
            CREATE TABLE cancellations (
                id bigserial PRIMARY KEY,
                order_id bigint NOT NULL UNIQUE,
                cause text NOT NULL,
                payment_id bigint,
                recorded_at timestamptz NOT NULL DEFAULT now()
            )
            """),
    ]
}
