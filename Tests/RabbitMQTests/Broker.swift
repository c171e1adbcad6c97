import Foundation
import RabbitMQ

/// The broker the test command started (scripts/test exports AMQP_URL).
enum Broker {
    static var url: String { ProcessInfo.processInfo.environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/" }

    static func connect(heartbeat: Int? = nil) async throws -> Connection {
        var configuration = try Configuration(url: url)
        if let heartbeat { configuration.options.heartbeat = heartbeat }
        return try await Connection.connect(configuration)
    }

    /// A queue name no other test uses.
    static func uniqueName(_ prefix: String) -> String {
        "test.\(prefix).\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// A new quorum queue holding one message per number, its body the number, published with
    /// confirms on `channel` (which is left in confirm mode).
    static func quorumQueue(_ prefix: String, holding numbers: some Sequence<Int>, on channel: Channel) async throws -> String {
        let queue = uniqueName(prefix)
        try await channel.declareQueue(queue, arguments: ["x-queue-type": "quorum"])
        try await channel.enablePublisherConfirms()
        _ = try await channel.publish(contentsOf: numbers.map { OutgoingMessage(routingKey: queue, body: Data("\($0)".utf8)) })
        return queue
    }

    /// Runs `body` with an open connection and channel, closing both afterwards.
    static func withChannel<T: Sendable>(_ body: (Connection, Channel) async throws -> T) async throws -> T {
        let connection = try await connect()
        do {
            let channel = try await connection.openChannel()
            let result = try await body(connection, channel)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// The pid of the broker's Erlang VM, to freeze it (SIGSTOP) and simulate a silent broker.
    static func pid() throws -> pid_t {
        guard let file = ProcessInfo.processInfo.environment["WARREN_RABBITMQ_PID_FILE"] else {
            throw TestFailure("WARREN_RABBITMQ_PID_FILE is not set: run the tests through scripts/test")
        }
        let text = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let pid = pid_t(text) else { throw TestFailure("no pid in \(file): `\(text)`") }
        return pid
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension AsyncSequence where Self: Sendable {
    /// The first `count` elements, or a failure after `seconds` so a missing message never hangs a test.
    func first(_ count: Int, within seconds: Double = 10) async throws -> [Element] where Element: Sendable {
        try await withThrowingTaskGroup(of: [Element].self) { group in
            group.addTask {
                var elements: [Element] = []
                for try await element in self {
                    elements.append(element)
                    if elements.count == count { break }
                }
                return elements
            }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                throw TestFailure("expected \(count) elements within \(seconds) s")
            }
            let first = try await group.next()!
            group.cancelAll()
            return first
        }
    }
}
