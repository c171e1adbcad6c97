import Foundation
import Logging
import RabbitMQ
import Warren

/// bench/worker's subject: a projection-style context, one upsert per event, run as a real worker.
enum Projection {
    struct Happened: Message {
        static let type = "source.Happened"
        var key: String
        var value: Int
    }

    static var context: BoundedContext {
        var context = BoundedContext("projection", system: "bench", migrations: [
            Migration(1, "totals", "CREATE TABLE totals (key text PRIMARY KEY, total bigint NOT NULL, events int NOT NULL)"),
        ])
        context.on(Happened.self) { event, handling in
            try await handling.database.execute("""
                INSERT INTO totals (key, total, events) VALUES ($1, $2, 1)
                ON CONFLICT (key) DO UPDATE SET total = totals.total + EXCLUDED.total, events = totals.events + 1
                """, [event.key, event.value], prepared: true)
        }
        return context
    }

    struct Counted: Message {
        static let type = "tally.Counted"
        var key: String
        var events: Int
    }

    /// Counts events per key and publishes each new count: it writes and publishes, so a crash
    /// between its commit and its confirm leaves an outbox row behind.
    static var tally: BoundedContext {
        var context = BoundedContext("tally", system: "bench", migrations: [
            Migration(1, "counts", "CREATE TABLE counts (key text PRIMARY KEY, events int NOT NULL)"),
        ])
        context.on(Happened.self) { event, handling in
            let rows = try await handling.database.query("""
                INSERT INTO counts (key, events) VALUES ($1, 1)
                ON CONFLICT (key) DO UPDATE SET events = counts.events + 1 RETURNING events
                """, [event.key], prepared: true)
            try handling.publish(Counted(key: event.key, events: try rows[0].decode(Int.self, at: 0)))
        }
        return context
    }

    /// `WarrenBench worker [projection|tally|cashier|ledger]`: a bench context as `warren worker` would run it,
    /// configured from the environment.
    static func runWorker(_ arguments: [String]) async throws {
        let context = switch arguments.count > 1 ? arguments[1] : "projection" {
        case "tally": tally
        case "cashier": RPCBench.cashier
        case "ledger": Ledger.context
        default: Self.context
        }
        var environment = ProcessInfo.processInfo.environment
        if environment["TOPOLOGY_DIR"] == nil { environment["TOPOLOGY_DIR"] = "bench/topology" }
        do {
            try await WorkerApplication.build(context: context, environment: environment).run()
        } catch let problem as WorkerConfiguration.Problem {
            FileHandle.standardError.write(Data("WarrenBench worker: \(problem)\n".utf8))
            exit(2)
        }
    }

    /// `WarrenBench publish-events --url U --count N --keys K [--prefix P]`: N events as `source`
    /// would publish them, with confirms, in batches of 1000.
    static func publishEvents(_ arguments: [String]) async throws {
        let options = Options(arguments)
        let count = options.int("count", 10_000)
        let keys = options.int("keys", 100)
        let prefix = options.string("prefix", UUID().uuidString.prefix(8).lowercased())
        let connection = try await RabbitMQ.Connection.connect(url: options.string("url", "amqp://guest:guest@127.0.0.1:5672/%2f"))
        let channel = try await connection.openChannel()
        try await channel.enablePublisherConfirms()
        var sent = 0
        let start = ContinuousClock.now
        while sent < count {
            let batch = (sent..<min(count, sent + 1000)).map { index in
                let envelope = Envelope(messageId: "\(prefix)-\(index)", type: Happened.type, appId: "source")
                return RabbitMQ.OutgoingMessage(exchange: "source.events", routingKey: Happened.type,
                                                body: try! JSONEncoder().encode(Happened(key: "k\(index % keys)", value: 1)),
                                                properties: envelope.properties)
            }
            for case .failure(let error) in try await channel.publish(contentsOf: batch) { throw error }
            sent += batch.count
        }
        try await connection.close()
        print(#"{"mode":"publish-events","messages":\#(count),"seconds":\#(seconds(since: start))}"#)
    }
}
