import Warren

extension Product {
    static let migrations = [
        // `version` counts the product's changes; it travels in `UpdatedProductStatus` so that
        // the copies in other contexts keep the latest whatever order the events arrive in.
        Migration(1, "products", """
            CREATE TABLE products (
                id bigserial PRIMARY KEY,
                price numeric NOT NULL CHECK (price >= 0),
                status text NOT NULL,
                version int NOT NULL DEFAULT 0
            )
            """),
    ]
}
