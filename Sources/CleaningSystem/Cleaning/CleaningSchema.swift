import Warren

extension Cleaning {
    static let migrations = [
        Migration(1, "cleans", """
            CREATE TABLE cleans (
                id bigserial PRIMARY KEY,
                request_id bigint NOT NULL UNIQUE,
                request_date text NOT NULL,
                place text NOT NULL,
                cleaner_id bigint,
                status text NOT NULL
            )
            """),
        // The day's booked cleaners: the primary key makes a double booking impossible.
        Migration(2, "assignments", """
            CREATE TABLE assignments (
                day text NOT NULL,
                cleaner_id int NOT NULL,
                request_id bigint NOT NULL UNIQUE,
                PRIMARY KEY (day, cleaner_id)
            )
            """),
        // Cancellations that arrived before the payment they cancel: a later PayConfirmed of
        // the same request books nobody.
        Migration(3, "cancelled requests", """
            CREATE TABLE cancelled_requests (
                request_id bigint PRIMARY KEY,
                cause text NOT NULL,
                cancelled_at timestamptz NOT NULL DEFAULT now()
            )
            """),
    ]
}
