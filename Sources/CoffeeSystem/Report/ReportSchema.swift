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
    ]
}
