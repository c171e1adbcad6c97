import Warren

extension Hotel {
    static let migrations = [
        // The view: the hotel's copy of each reservation, with the rank of its status (complete
        // 1, confirmed 2, cancelled by the hotel or by the customer 3), so that reservation's
        // events change it in any order and only forward.
        Migration(1, "confirmations", """
            CREATE TABLE confirmations (
                id bigserial PRIMARY KEY,
                order_id bigint NOT NULL UNIQUE,
                reservation_id bigint NOT NULL,
                status text NOT NULL,
                rank int NOT NULL
            )
            """),
    ]
}
