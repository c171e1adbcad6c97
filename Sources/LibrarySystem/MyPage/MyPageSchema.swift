import Warren

extension MyPage {
    static let migrations = [
        // What each event told of one rental: its state from the rental event with the highest
        // version, its payment from the payment event of the highest rank (a refund outranks the
        // payment), the kiosk's record likewise (a self return outranks the self rental). A
        // payment may be known before its rental, or without one (voided after a timeout).
        Migration(1, "rental facts", """
            CREATE TABLE rental_facts (
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
        Migration(2, "rental facts by member", "CREATE INDEX rental_facts_member ON rental_facts (member_id)"),
        // The view: the rentals among the facts (a payment without a rental is no reservation).
        Migration(3, "reservation lists", """
            CREATE TABLE reservation_lists (
                id bigint PRIMARY KEY,
                member_id bigint NOT NULL,
                book_id bigint NOT NULL,
                req_state text NOT NULL,
                kiosk_no bigint,
                pay_status text,
                kiosk_status text
            )
            """),
        // Per member, the books of their rentals by state, recomputed from the facts.
        Migration(4, "mypages", """
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
