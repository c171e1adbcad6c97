import Warren

extension Customer {
    static let migrations = [
        // One row per booking (`id` is the order id): what its events said, each column filled by
        // the event that knows it, and the status of the event of the highest rank.
        Migration(1, "mypages", """
            CREATE TABLE mypages (
                id bigint PRIMARY KEY,
                order_id bigint NOT NULL,
                name text,
                reservation_id bigint,
                cancellation_id bigint,
                status text NOT NULL,
                rank int NOT NULL
            )
            """),
        // The operator's rows: a booking appears once reservation made its reservation.
        Migration(2, "hotel views", """
            CREATE TABLE hotel_views (
                id bigint PRIMARY KEY,
                order_id bigint NOT NULL,
                name text,
                reservation_id bigint,
                confirmation_id bigint,
                status text NOT NULL,
                rank int NOT NULL
            )
            """),
        // The notification history: one line per booking and event type, whatever the copies.
        Migration(3, "notifications", """
            CREATE TABLE notifications (
                id bigserial PRIMARY KEY,
                order_id bigint NOT NULL,
                event text NOT NULL,
                message text NOT NULL,
                UNIQUE (order_id, event)
            )
            """),
    ]
}
