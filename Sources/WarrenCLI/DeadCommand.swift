import ArgumentParser
import Foundation
import RabbitMQ
import Warren

/// `warren dead list|show|replay CONTEXT`: the operator's tools for `<context>.dead`.
struct DeadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead",
        abstract: "Inspect and replay the dead letters of a bounded context (<context>.dead).",
        discussion: """
        `list` and `show` take messages from the queue with manual acks and close their channel \
        without acking, so the broker puts every one back; they then check the queue holds as \
        many as before. `replay` publishes with confirms and acks a dead letter only once its \
        copy is confirmed.
        """,
        subcommands: [DeadListCommand.self, DeadShowCommand.self, DeadReplayCommand.self]
    )
}

struct DeadOptions: ParsableArguments {
    @Argument(help: "The bounded context whose <context>.dead queue to read.")
    var context: String

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Look at no more than this many dead letters from the head of the queue.")
    var limit = 100

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
    }

    /// Runs `body` on the context's dead letter queue over a fresh connection; prints failures
    /// as `error: ...` and exits 1.
    func withQueue<Value>(_ body: (DeadLetterQueue) async throws -> Value) async throws -> Value {
        let configuration = try self.connection.broker(connectionName: "warren dead")
        do {
            let connection = try await Connection.connect(configuration)
            do {
                let value = try await body(DeadLetterQueue(context: context, connection: connection))
                try? await connection.close()
                return value
            } catch {
                try? await connection.close()
                throw error
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            standardError("error: \(error)")
            throw ExitCode.failure
        }
    }
}

struct DeadListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List dead letters with their reason, type, message id and original routing key; leaves them in the queue."
    )

    @OptionGroup var options: DeadOptions

    func run() async throws {
        try await options.withQueue { queue in
            let inspection = try await queue.inspect(limit: options.limit)
            let rows = inspection.letters.map { letter in
                [letter.messageId ?? "-", letter.type ?? "-", letter.reason ?? "-",
                 "\(letter.originalExchange ?? "?") \(letter.originalRoutingKey ?? "?")",
                 letter.failedAt.map { ISO8601DateFormatter().string(from: $0) } ?? "-"]
            }
            if !rows.isEmpty {
                print(Table.render(header: ["MESSAGE ID", "TYPE", "REASON", "ORIGINAL EXCHANGE / ROUTING KEY", "FAILED AT"], rows: rows))
            }
            print(Report.returned(inspection, queue: queue.name))
            if !inspection.allReturned { throw ExitCode.failure }
        }
    }
}

struct DeadShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print one dead letter in full (properties, headers, body); leaves it in the queue."
    )

    @OptionGroup var options: DeadOptions

    @Argument(help: "The message id (AMQP message_id) of the dead letter.")
    var messageId: String

    func run() async throws {
        try await options.withQueue { queue in
            guard let letter = try await queue.letter(id: messageId, limit: options.limit) else {
                standardError("error: no dead letter with message id \(messageId) among the first \(options.limit) of \(queue.name)")
                throw ExitCode.failure
            }
            print(Report.describe(letter))
        }
    }
}

struct DeadReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Publish dead letters again to their original exchange and routing key (x-attempt 1), then remove them.",
        discussion: """
        Each copy is published with publisher confirms (mandatory: a message no queue takes is \
        an error); the dead letter is acked only after the confirm, so a failure leaves it in \
        the queue. The death headers (x-death-reason, x-death-message, x-original-*, \
        x-failed-at, x-last-error) are removed. A message first published to an events \
        exchange goes to every queue bound to it again; their inboxes drop what they handled.
        """
    )

    @OptionGroup var options: DeadOptions

    @Argument(help: "Message ids of the dead letters to replay.")
    var messageIds: [String] = []

    @Flag(help: "Replay every dead letter (up to --limit).")
    var all = false

    func validate() throws {
        if all == !messageIds.isEmpty { throw ValidationError("give message ids or --all (one of the two)") }
    }

    func run() async throws {
        try await options.withQueue { queue in
            let results = try await queue.replay(all ? .all : .ids(Set(messageIds)), limit: options.limit)
            var failed = false
            for result in results {
                let target = "\(result.exchange ?? "?") \(result.routingKey ?? "?")"
                if let problem = result.problem {
                    failed = true
                    print("! \(result.messageId ?? "-"): \(problem)")
                } else {
                    print("replayed \(result.messageId ?? "-") to \(target)")
                }
            }
            let found = Set(results.compactMap(\.messageId))
            for id in messageIds where !found.contains(id) {
                failed = true
                print("! \(id): not among the first \(options.limit) dead letters of \(queue.name)")
            }
            let replayed = results.filter { $0.problem == nil }.count
            print("\(replayed) replayed, \(try await queue.readyCount()) left in \(queue.name)")
            if failed { throw ExitCode.failure }
        }
    }
}

/// Text for the dead letter commands.
enum Report {
    static func returned(_ inspection: DeadLetterQueue.Inspection, queue: String) -> String {
        if inspection.countBefore == 0 { return "\(queue) is empty" }
        let shown = "\(inspection.letters.count) of \(inspection.countBefore) dead letter(s) shown"
        if inspection.allReturned {
            return "\(shown); all left in \(queue) (requeued unacked: \(inspection.countAfter) ready)"
        }
        return "\(shown); WARNING: \(queue) holds \(inspection.countAfter) ready, \(inspection.countBefore) before: "
            + "another consumer may have taken some, the broker requeues the rest when their channel closes"
    }

    static func describe(_ letter: DeadLetterQueue.Letter) -> String {
        let properties = letter.properties
        var lines: [String] = []
        func add(_ name: String, _ value: String?) { if let value { lines.append("\(name): \(value)") } }
        add("message_id", properties.messageId)
        add("type", properties.type)
        add("correlation_id", properties.correlationId)
        add("content_type", properties.contentType)
        add("app_id", properties.appId)
        add("timestamp", properties.timestamp.map { ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval($0))) })
        add("reply_to", properties.replyTo)
        add("dead-letter routing key", letter.deadLetterRoutingKey)
        lines.append("headers:")
        for key in letter.headers.keys.sorted() {
            lines.append("  \(key): \(text(letter.headers[key]!))")
        }
        lines.append("body (\(letter.body.count) bytes):")
        lines.append(body(letter.body))
        return lines.joined(separator: "\n")
    }

    static func text(_ value: FieldValue) -> String {
        if let string = value.stringValue { return string }
        switch value {
        case .timestamp(let seconds): return ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
        case .table(let table): return "{" + table.keys.sorted().map { "\($0): \(text(table[$0]!))" }.joined(separator: ", ") + "}"
        case .array(let values): return "[" + values.map(text).joined(separator: ", ") + "]"
        default: return value.intValue.map(String.init) ?? "\(value)"
        }
    }

    /// Pretty JSON when it is JSON, the text when it is UTF-8, else hex.
    static func body(_ data: Data) -> String {
        if let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
           let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .fragmentsAllowed]) {
            return String(decoding: pretty, as: UTF8.self)
        }
        if let text = String(data: data, encoding: .utf8) { return text }
        return data.map { String(format: "%02x", $0) }.joined()
    }
}

/// Columns padded to their widest cell.
enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
