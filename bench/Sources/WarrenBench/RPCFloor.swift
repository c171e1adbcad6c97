import Foundation
import Logging
import Postgres
import RabbitMQ
import Warren

/// `rpc-serve-floor`: the least a server can do for bench/rpc's call and still keep its promise,
/// to know how far the full RPC's ratio could go here. Whatever requests have arrived share one
/// transaction: each one's row in a round trip of its own (the row's id is in the reply, as a
/// handler writes it), then every stored reply with the COMMIT; then the replies go out and the
/// requests are acked. No envelope, validation, retries, logging or metrics.
///
///     WarrenBench rpc-serve-floor --url AMQP_URL --database DATABASE_URL [--queue Q]
///
/// Its replies carry what `RPCClient` matches on, so the full client can call it on the
/// cashier's queue (`--queue cashier.rpc`, declared by the topology).
enum RPCFloor {
    static func serve(_ arguments: [String]) async throws {
        let options = Options(arguments)
        let url = options.string("url", ProcessInfo.processInfo.environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/%2f")
        let queue = options.string("queue", RPCBench.rawQueue)
        let database = try await PostgresConnection.connect(
            try PostgresConfiguration(url: options.string("database", ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "")),
            logger: Logger(label: "floor"))
        try await database.execute("CREATE TABLE IF NOT EXISTS floor_payments (id bigserial PRIMARY KEY, order_id text NOT NULL, amount bigint NOT NULL)")
        try await database.execute("CREATE TABLE IF NOT EXISTS floor_inbox (message_id text PRIMARY KEY, reply text NOT NULL)")
        let connection = try await Connection.connect(url: url)
        let channel = try await connection.openChannel()
        try await RPCBench.declareIfOwn(queue, on: channel)
        try await channel.qos(prefetchCount: 64)
        let replies = try await connection.openChannel()
        let arrived = LaneQueue<Delivery>()
        let consumer = try await channel.consume(queue: queue)
        let reading = Task {
            defer { arrived.finish() }
            for try await delivery in consumer { arrived.push(delivery) }
        }
        defer { reading.cancel() }
        FileHandle.standardOutput.write(Data("ready\n".utf8))
        let run = UUID().uuidString
        try await withTaskExecutorPreference(database.taskExecutor) {
            var served = 0
            while let first = await arrived.next() {
                var batch = [first]
                while let more = arrived.poll() { batch.append(more) }
                let stored = try await database.withTransaction { database in
                    var inserts: [PostgresQuery] = []
                    for delivery in batch {
                        let rows = try await database.query("INSERT INTO floor_payments (order_id, amount) VALUES ($1, 1) RETURNING id",
                                                            ["x"], prepared: true)
                        let reply = #"{"paid":true,"paymentId":"# + "\(try rows[0].decode(Int.self, at: 0))}"
                        served += 1
                        let id = delivery.properties.messageId ?? "\(run)-\(served)"
                        inserts.append(PostgresQuery(sql: "INSERT INTO floor_inbox (message_id, reply) VALUES ($1, $2) RETURNING reply",
                                                     parameters: [id, reply]))
                    }
                    return try await database.commit(after: inserts, prepared: true)
                }
                for (delivery, rows) in zip(batch, stored) {
                    if let replyTo = delivery.properties.replyTo {
                        var properties = BasicProperties(contentType: "application/json", correlationId: delivery.properties.correlationId)
                        properties.type = "cashier.PayReply"
                        if let id = delivery.properties.messageId {
                            properties.messageId = id + "/reply"
                            properties.headers = ["in-reply-to": .string(id)]
                        }
                        try replies.send(OutgoingMessage(routingKey: replyTo, body: Data(try rows[0].decode(String.self, at: 0).utf8),
                                                         properties: properties, mandatory: false))
                    }
                    try await delivery.ack()
                }
            }
        }
    }
}

