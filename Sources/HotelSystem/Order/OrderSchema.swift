import Warren

extension Order {
    static let migrations = [
        // The view (`cancel_reason` beside it for the operator). The card is stored masked only.
        Migration(1, "orders", """
            CREATE TABLE orders (
                id bigint PRIMARY KEY,
                name text NOT NULL,
                card_no text NOT NULL,
                status text NOT NULL,
                cancel_reason text
            )
            """),
    ]
}
