import Warren

extension Book {
    static let migrations = [
        // The view, plus the version of the rental event it shows: the highest wins, so the
        // events may arrive in any order and more than once.
        Migration(1, "books", """
            CREATE TABLE books (
                id bigint PRIMARY KEY,
                member_id bigint NOT NULL,
                rental_id bigint NOT NULL,
                book_status text NOT NULL,
                version bigint NOT NULL
            )
            """),
    ]
}
