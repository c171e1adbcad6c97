import Postgres
import Warren

/// The notification history: one row per step of every reservation and card, with a
/// sentence a person can read (`GET /messages`).
public enum MessageHistory {
    /// A row of the `messages` view (table `messages`), before the database numbers it.
    struct Notification: Codable, Sendable, Hashable {
        var requestId: Int
        var status: String
        var payKind: String?
        var text: String
    }

    static let migrations = [
        Migration(1, "messages", """
            CREATE TABLE messages (
                id bigserial PRIMARY KEY,
                request_id bigint NOT NULL,
                status text NOT NULL,
                pay_kind text,
                text text NOT NULL
            )
            """),
        Migration(2, "messages by request", "CREATE INDEX messages_request_id ON messages (request_id)"),
    ]

    /// The message worker: `warren worker message`.
    static func context() -> BoundedContext {
        var context = BoundedContext("message", system: CleaningSystem.name, migrations: migrations)
        context.notify(Payment.PayConfirmed.self)
        context.notify(Payment.PayCancelConfirmed.self)
        context.notify(Payment.PayKindChangeConfirmed.self)
        context.notify(Cleaning.CleaningConfirmed.self)
        context.notify(Cleaning.CleaningRejected.self)
        context.notify(Cleaning.CleaningCompleted.self)
        context.notify(PayMethod.KindRegistered.self)
        context.notify(PayMethod.KindChanged.self)
        return context
    }

    /// Appends the event's notification; the runtime's inbox keeps a redelivery from writing it twice.
    static func record(_ notification: Notification, on database: PostgresConnection) async throws {
        try await database.execute("""
            INSERT INTO messages (request_id, status, pay_kind, text)
            VALUES (\(notification.requestId), \(notification.status), \(notification.payKind), \(notification.text))
            """, prepared: true)
    }
}

/// An event a person is told about.
protocol Notifiable: Message {
    var notification: MessageHistory.Notification { get }
}

extension BoundedContext {
    fileprivate mutating func notify<Event: Notifiable>(_ type: Event.Type) {
        on(Event.self) { event, handling in
            try await MessageHistory.record(event.notification, on: handling.database)
        }
    }
}
