import Warren

extension Kiosk {
    static let migrations = [
        // Every self rental attempt the kiosk answered, and every void (a void may overtake the
        // attempt it voids: the attempt is then refused).
        Migration(1, "self rental attempts", """
            CREATE TABLE self_rental_attempts (
                request_id bigint PRIMARY KEY,
                rental_id bigint,
                kiosk_no bigint,
                status text NOT NULL,
                recorded_at timestamptz NOT NULL DEFAULT now()
            )
            """),
        // The view: one row per rental taken at a kiosk, from rental's events (the highest
        // version wins), each event announced once whatever the order.
        Migration(2, "kiosks", """
            CREATE TABLE kiosks (
                id bigserial PRIMARY KEY,
                rental_id bigint NOT NULL UNIQUE,
                book_id bigint NOT NULL,
                member_id bigint NOT NULL,
                kiosk_no bigint NOT NULL,
                book_status text NOT NULL,
                version bigint NOT NULL,
                rental_announced boolean NOT NULL DEFAULT false,
                return_announced boolean NOT NULL DEFAULT false
            )
            """),
    ]
}
