import Warren

/// Cleaners: a paid reservation gets a cleaner from the day's capacity, or is rejected, which
/// drives the compensation (reservation cancelled, payment refunded).
public enum Cleaning {
    /// `POST /cleans` {requestId, status=CleaningCompleted}.
    struct CompleteCleaning: Message {
        static let type = "cleaning.CompleteCleaning"
        var requestId: Int
        var status: String
    }

    struct CleaningConfirmed: Message {
        static let type = "cleaning.CleaningConfirmed"
        var requestId: Int
        var requestDate: String
        var place: String
        var cleanerId: Int
        var status = Status.confirmed
    }

    struct CleaningRejected: Message {
        static let type = "cleaning.CleaningRejected"
        var requestId: Int
        var reason: String
        var status = Status.rejected
    }

    struct CleaningCompleted: Message {
        static let type = "cleaning.CleaningCompleted"
        var requestId: Int
        var status = Status.completed
    }

    /// A row of the `cleans` view (table `cleans`).
    struct Clean: Codable, Sendable, Hashable {
        var id: Int
        var requestId: Int
        var requestDate: String
        var place: String
        var cleanerId: Int?
        var status: String
    }

    enum Status {
        static let confirmed = "CleaningConfirmed"
        static let rejected = "CleaningRejected"
        static let completed = "CleaningCompleted"
        /// The reservation was cancelled or its payment refunded: the cleaner's slot is free again.
        static let canceled = "CleaningCanceled"
    }
}
