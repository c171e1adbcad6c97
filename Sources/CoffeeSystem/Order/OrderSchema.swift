import Warren

extension Order {
    static let migrations = [
        Migration(1, "orders", """
            CREATE TABLE orders (
                id bigserial PRIMARY KEY,
                product_id bigint NOT NULL,
                price numeric NOT NULL,
                status text NOT NULL
            )
            """),
        // The order context's own copy of the products (the original kept a product table in
        // the order database); `version` keeps the latest whatever order the events come in.
        Migration(2, "order products", """
            CREATE TABLE order_products (
                id bigint PRIMARY KEY,
                price numeric NOT NULL,
                status text NOT NULL,
                version int NOT NULL
            )
            """),
    ]
}
