import ArgumentParser
import Foundation
import RabbitMQ
import Topology
import Warren

/// `warren tail [PATTERN]`: follows the fleet's events and commands live.
///
/// A temporary queue (exclusive, auto-deleted with the connection, so nothing is left behind)
/// is bound with the pattern to every events and commands exchange of the topology; consuming
/// it with automatic acks takes nothing from the workers, whose own queues get their copies.
struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Follow every event and command of the fleet live, with correlation and causation ids.",
        discussion: """
        PATTERN is an AMQP topic pattern on the message type: `#` (everything, the default), \
        `payment.*` (one context), `*.PayConfirmed`. Each line: receive time, type, \
        correlation id, causation id (first 8 characters; `-` for none), sending context and the \
        body, shortened unless --full. Fields named like secrets (`number`, `password`, `secret`, \
        `token`) are printed as "<redacted>". RPC replies travel outside the exchanges and are not \
        shown. Stop with Ctrl-C.
        """
    )

    @Argument(help: "An AMQP topic pattern on the message type.")
    var pattern = "#"

    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "Print whole bodies and ids.")
    var full = false

    func run() async throws {
        // One vhost: one system's exchanges (the only one, or --system).
        let namespace = try connection.namespace().fleet
        let directory = connection.topologyDirectory
        let system = connection.system
        let exchanges = namespace.exchanges.filter { $0.role == .events || $0.role == .commands }.map(\.name).sorted()
        guard !exchanges.isEmpty else {
            standardError("error: \(directory) declares no events or commands exchange\(system.map { " in system \($0)" } ?? "")")
            throw ExitCode.failure
        }
        let configuration = try connection.broker(connectionName: "warren tail")
        do {
            let connection = try await Connection.connect(configuration)
            let channel = try await connection.openChannel()
            let queue = try await channel.declareQueue("", durable: false, exclusive: true, autoDelete: true,
                                                       arguments: ["x-queue-type": .string("classic")]).name
            for exchange in exchanges {
                try await channel.bindQueue(queue, exchange: exchange, routingKey: pattern)
            }
            standardError("tailing \(pattern) on \(exchanges.count) exchanges (\(exchanges.joined(separator: ", "))); Ctrl-C stops")
            let line = TailLine(full: full)
            for try await delivery in try await channel.consume(queue: queue, noAck: true) {
                FileHandle.standardOutput.write(Data((line.format(delivery) + "\n").utf8))
            }
        } catch {
            standardError("error: \(error)")
            throw ExitCode.failure
        }
    }
}

/// One delivery as one line of `warren tail`.
struct TailLine: Sendable {
    var full: Bool

    static let secretFields: Set<String> = ["number", "password", "secret", "token"]

    func format(_ delivery: Delivery, receivedAt: Date = Date()) -> String {
        let properties = delivery.properties
        let headers = properties.headers ?? [:]
        let fields = [
            Self.time(receivedAt),
            properties.type ?? delivery.routingKey,
            "corr=\(short(properties.correlationId))",
            "cause=\(short(headers[Envelope.Header.causationId]?.stringValue))",
            "from=\(properties.appId ?? "-")",
            body(delivery.body),
        ]
        return fields.joined(separator: "  ")
    }

    func body(_ data: Data) -> String {
        guard let value = try? JSONValue(parsing: data),
              let text = try? String(decoding: JSONEncoder.tail.encode(Self.redacted(value)), as: UTF8.self) else {
            return "<\(data.count) bytes, not JSON>"
        }
        return full || text.count <= 160 ? text : String(text.prefix(159)) + "…"
    }

    static func redacted(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            .object(object.reduce(into: [:]) { result, entry in
                result[entry.key] = secretFields.contains(entry.key.lowercased()) ? .string("<redacted>") : redacted(entry.value)
            })
        case .array(let items): .array(items.map(redacted))
        default: value
        }
    }

    private func short(_ id: String?) -> String {
        guard let id, !id.isEmpty else { return "-" }
        return full ? id : String(id.prefix(8))
    }

    private static func time(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .current
        let parts = calendar.dateComponents([.hour, .minute, .second, .nanosecond], from: date)
        return String(format: "%02d:%02d:%02d.%03d", parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0, (parts.nanosecond ?? 0) / 1_000_000)
    }
}

extension JSONEncoder {
    fileprivate static var tail: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
