import Warren

extension PayMethod {
    static let migrations = [
        Migration(1, "paymethods", """
            CREATE TABLE paymethods (
                id bigint PRIMARY KEY,
                kind text NOT NULL,
                number_masked text NOT NULL,
                request_id bigint NOT NULL,
                pay_kind_reg_status text NOT NULL
            )
            """),
        // Kept apart from the view the ingress reads: the keyed hash identifies a card.
        Migration(2, "card hashes", """
            CREATE TABLE card_hashes (
                pay_method_id bigint PRIMARY KEY REFERENCES paymethods (id),
                number_hash text NOT NULL,
                version int NOT NULL DEFAULT 0
            )
            """),
    ]
}
