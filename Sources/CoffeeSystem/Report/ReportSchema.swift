import Warren

extension Report {
    static let migrations = [
        // `version` (not in the view) keeps the latest product whatever order events come in.
        Migration(1, "reports", """
            CREATE TABLE reports (
                product_id bigint PRIMARY KEY,
                price numeric NOT NULL,
                status text NOT NULL,
                version int NOT NULL
            )
            """),
        // One entry per status change: a change is known by its product and version, so a
        // copy of its event, in whatever order, finds the entry already there.
        Migration(2, "notifications", """
            CREATE TABLE notifications (
                id bigserial PRIMARY KEY,
                product_id bigint NOT NULL,
                version int NOT NULL,
                previous_status text NOT NULL,
                status text NOT NULL,
                text text NOT NULL,
                UNIQUE (product_id, version)
            )
            """),
        // Each product's sales, from order's OrderPlaced; `sold_orders` remembers the orders
        // counted, so an order is counted once whatever the number of copies of its event.
        Migration(3, "sales", """
            CREATE TABLE sales (
                product_id bigint PRIMARY KEY,
                orders bigint NOT NULL,
                amount numeric NOT NULL
            )
            """),
        Migration(4, "sold orders", """
            CREATE TABLE sold_orders (
                order_id bigint PRIMARY KEY,
                product_id bigint NOT NULL,
                price numeric NOT NULL
            )
            """),
    ]
}
