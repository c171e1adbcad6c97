import BrokerAdmin
import Foundation
import Logging
import Postgres
import Topology

/// Collects a `Conversation` from a system's database (every context's inbox and outbox) and,
/// when given, its vhost through the management API (queues and dead letters).
public struct ConversationReader: Sendable {
    public var system: Topology.System
    public var databaseURL: String
    public var management: ManagementAPI?
    public var vhost: String
    /// How many messages to look at in each queue.
    public var peekLimit = 200
    /// The SQLite files of contexts with an embedded store, by context; a context left out is
    /// looked for where its worker puts it by default (`<context>.sqlite` here).
    public var embeddedStores: [String: String] = [:]

    public init(system: Topology.System, databaseURL: String, management: ManagementAPI?, vhost: String) {
        self.system = system
        self.databaseURL = databaseURL
        self.management = management
        self.vhost = vhost
    }

    public func read(correlationId: String, logger: Logger = Logger(label: "warren.trace")) async throws -> Conversation {
        var steps: [Conversation.Step] = []
        var unread: [String] = []
        let database = try await PostgresConnection.connect(PostgresConfiguration(url: databaseURL), logger: logger)
        do {
            let schemas = Set(try await database.query("SELECT nspname FROM pg_namespace", []).map { try $0.decode(String.self, at: 0) })
            for context in system.contexts {
                if context.store.isProcessLocal {
                    let path = embeddedStores[context.name] ?? "\(context.name).sqlite"
                    if FileManager.default.fileExists(atPath: path) {
                        steps += try EmbeddedRecords(path: path).steps(of: context.name, correlationId: correlationId)
                    } else {
                        unread.append(context.name)
                    }
                    continue
                }
                let schema = context.name.replacingOccurrences(of: "-", with: "_")
                guard schemas.contains(schema) else { continue }
                steps += try await handled(in: context.name, schema: schema, correlationId: correlationId, database)
                steps += try await unsent(in: context.name, schema: schema, correlationId: correlationId, database)
            }
        } catch {
            await database.close()
            throw error
        }
        await database.close()
        // The broker's queues, read once for both looks below.
        var live: [String: ManagementQueue] = [:]
        if let management {
            live = Dictionary(try await management.queues(vhost: vhost).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            steps += try await deadLetters(correlationId: correlationId, management, live: live)
        }
        // A message handled by one consumer shows what each other consumer of its type lacks.
        steps += missing(in: steps, live: live, unread: Set(unread))
        steps.sort { ($0.time, $0.kind.rawValue, $0.type) < ($1.time, $1.kind.rawValue, $1.type) }
        var conversation = Conversation(correlationId: correlationId, system: system.name, steps: steps)
        conversation.unread = unread
        return conversation
    }

    private func handled(in context: String, schema: String, correlationId: String, _ db: PostgresConnection) async throws -> [Conversation.Step] {
        let rows = try await db.query("""
            SELECT message_id, type, queue, received_at, causation_id, sender, reply_type, reply
            FROM "\(schema)".warren_inbox WHERE correlation_id = $1
            """, [correlationId])
        return try rows.map { row in
            let replyType = try row.decode(String?.self, at: 6)
            let reply = try row.decode(String?.self, at: 7)
            return Conversation.Step(
                time: try row.decode(Date.self, at: 3), kind: .handled, context: context, type: try row.decode(String.self, at: 1),
                messageId: try row.decode(String.self, at: 0), causationId: try row.decode(String?.self, at: 4),
                sender: try row.decode(String?.self, at: 5), queue: try row.decode(String.self, at: 2),
                detail: reply.map { Self.summary(replyType: replyType, body: $0) })
        }
    }

    private func unsent(in context: String, schema: String, correlationId: String, _ db: PostgresConnection) async throws -> [Conversation.Step] {
        let rows = try await db.query("""
            SELECT routing_key, envelope, created_at, attempts FROM "\(schema)".warren_outbox
            WHERE envelope::jsonb ->> 'correlationId' = $1
            """, [correlationId])
        return try rows.map { row in
            let envelope = (try? JSONSerialization.jsonObject(with: Data(try row.decode(String.self, at: 1).utf8))) as? [String: Any] ?? [:]
            let attempts = try row.decode(Int.self, at: 3)
            return Conversation.Step(
                time: try row.decode(Date.self, at: 2), kind: .unsent, context: context, type: try row.decode(String.self, at: 0),
                messageId: envelope["messageId"] as? String ?? "?", causationId: envelope["causationId"] as? String, sender: context,
                queue: nil, detail: attempts == 0 ? "not relayed yet" : "not relayed after \(attempts) attempt\(attempts == 1 ? "" : "s")")
        }
    }

    /// Dead letters of the conversation, peeked from each context's dead-letter queue (classic,
    /// no delivery limit, so a peek that puts a message back costs it nothing).
    private func deadLetters(correlationId: String, _ api: ManagementAPI, live: [String: ManagementQueue]) async throws -> [Conversation.Step] {
        var steps: [Conversation.Step] = []
        for context in system.contexts {
            for queue in context.queues where queue.role == .deadLetter && live[queue.name] != nil {
                for message in try await api.peek(queue: queue.name, vhost: vhost, count: peekLimit) where message.correlationId == correlationId {
                    let reason = [message.headers["x-death-reason"], message.headers["x-death-message"]].compactMap { $0 as? String }.joined(separator: ": ")
                    steps.append(Conversation.Step(
                        time: message.timestamp.map { Date(timeIntervalSince1970: $0) } ?? Date(), kind: .deadLettered,
                        context: context.name, type: message.type ?? "?", messageId: message.messageId ?? "?",
                        causationId: message.causationId, sender: message.sender, queue: queue.name,
                        detail: reason.isEmpty ? (message.headers["x-first-death-reason"] as? String ?? "dead-lettered") : reason))
                }
            }
        }
        return steps
    }

    /// Messages the conversation sent that a context consuming their type has not handled (nor
    /// dead-lettered): the topology says who should have, the inboxes say who did. Consumer
    /// queues are not peeked: on a quorum queue a message put back counts toward its delivery
    /// limit, and one with a single active consumer cannot be read without consuming it.
    private func missing(in steps: [Conversation.Step], live: [String: ManagementQueue], unread: Set<String>) -> [Conversation.Step] {
        var seen = Set(steps.map { "\($0.context) \($0.messageId)" })
        var found: [Conversation.Step] = []
        let handled = steps.filter { $0.kind == .handled && $0.sender != nil }
        for step in Self.firstOfEachMessage(handled) {
            for context in system.contexts where !unread.contains(context.name) {
                for queue in context.queues where queue.role == .consumer && queue.consumes.contains(where: { $0.type == step.type }) {
                    guard seen.insert("\(context.name) \(step.messageId)").inserted else { continue }
                    var detail = "not handled by \(context.name) yet"
                    if let state = live[queue.name] {
                        detail += " (\(queue.name): \(state.messages ?? 0) message\(state.messages == 1 ? "" : "s"), \(state.consumers ?? 0) consumer\(state.consumers == 1 ? "" : "s")"
                        detail += (state.consumers ?? 0) == 0 ? "): is the \(context.name) worker running?" : ")"
                    }
                    found.append(Conversation.Step(time: step.time, kind: .waiting, context: context.name, type: step.type,
                                                   messageId: step.messageId, causationId: step.causationId, sender: step.sender,
                                                   queue: queue.name, detail: detail))
                }
            }
        }
        return found
    }

    /// One step per message id, so a message several contexts handled is checked once.
    static func firstOfEachMessage(_ steps: [Conversation.Step]) -> [Conversation.Step] {
        var seen = Set<String>()
        return steps.filter { seen.insert($0.messageId).inserted }
    }

    /// A reply or outcome in a few words: `created 201 {"id":…}`, `refused: no price`.
    static func summary(replyType: String?, body: String) -> String {
        let short = body.count > 120 ? String(body.prefix(117)) + "…" : body
        guard let type = replyType else { return short }
        return "\(type.split(separator: ".").last.map(String.init) ?? type) \(short)"
    }
}
