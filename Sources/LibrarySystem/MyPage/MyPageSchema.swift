import Warren

extension MyPage {
    static let migrations = [
        // One row per rental: its state from the rental event with the highest version, its
        // payment from the payment event of the highest rank (a refund outranks the payment),
        // the kiosk's record likewise (a self return outranks the self rental).
        Migration(1, "reservation lists", """
            CREATE TABLE reservation_lists (
                id bigint PRIMARY KEY,
                member_id bigint NOT NULL,
                book_id bigint NOT NULL,
                req_state text,
                kiosk_no bigint,
                pay_status text,
                kiosk_status text,
                version bigint NOT NULL DEFAULT 0,
                pay_rank int NOT NULL DEFAULT 0,
                kiosk_rank int NOT NULL DEFAULT 0
            )
            """),
        Migration(2, "reservation lists by member", "CREATE INDEX reservation_lists_member ON reservation_lists (member_id)"),
        // Per member, the books of their rentals by state, recomputed from reservation_lists.
        Migration(3, "mypages", """
            CREATE TABLE mypages (
                member_id bigint PRIMARY KEY,
                reserved_book_ids bigint[] NOT NULL,
                rented_book_ids bigint[] NOT NULL,
                returned_book_ids bigint[] NOT NULL,
                cancelled_book_ids bigint[] NOT NULL
            )
            """),
    ]
}
