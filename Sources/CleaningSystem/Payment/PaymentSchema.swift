import Warren

extension Payment {
    static let migrations = [
        Migration(1, "payments", """
            CREATE TABLE payments (
                id bigserial PRIMARY KEY,
                request_id bigint NOT NULL UNIQUE,
                price numeric NOT NULL,
                pay_kind text NOT NULL,
                status text NOT NULL
            )
            """),
        // Every void and every refund request, known payment or not: a request id found here
        // is never approved afterwards (a void may overtake the approval it voids).
        Migration(2, "cancellations", """
            CREATE TABLE cancellations (
                request_id bigint PRIMARY KEY,
                cause text NOT NULL,
                payment_id bigint,
                recorded_at timestamptz NOT NULL DEFAULT now()
            )
            """),
        Migration(3, "pay kinds", """
            CREATE TABLE pay_kinds (
                pay_method_id bigint PRIMARY KEY,
                request_id bigint NOT NULL,
                kind text NOT NULL,
                number_last4 text NOT NULL,
                version int NOT NULL,
                updated_at timestamptz NOT NULL DEFAULT now()
            )
            """),
    ]
}
