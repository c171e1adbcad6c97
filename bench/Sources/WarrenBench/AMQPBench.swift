import Foundation
import RabbitMQ

/// Publish-with-confirms and consume-with-acks through our client, with the C reference's settings:
/// persistent messages of `--size` bytes, confirms awaited per batch of `--batch`, prefetch
/// `--prefetch` and one `multiple` ack every `--ack-every` deliveries.
enum AMQPBench {
    static func run(_ arguments: [String]) async throws {
        let options = Options(arguments)
        let url = options.string("url", "amqp://guest:guest@127.0.0.1:5672/")
        let queue = options.string("queue", "bench.swift")
        let count = options.int("count", 100_000)
        let queueType = options.string("queue-type", "classic")
        let connection = try await Connection.connect(url: url)
        let channel = try await connection.openChannel()
        try await channel.declareQueue(queue, durable: true, arguments: ["x-queue-type": .string(queueType)])
        let result: [String: Any]
        if arguments[0] == "amqp-publish" {
            result = try await publish(on: channel, queue: queue, count: count, batch: options.int("batch", 1000), size: options.int("size", 32))
        } else {
            let (prefetch, ackEvery) = (options.int("prefetch", 100), options.int("ack-every", 50))
            // `thread` (as pg-insert's default): the consuming loop prefers the connection's thread
            // (Connection.taskExecutor), one thread like the C consumer; `pool`: it runs on the
            // cooperative pool, and each batch and each ack crosses between two threads.
            switch options.string("mode", "thread") {
            case "thread":
                result = try await withTaskExecutorPreference(connection.taskExecutor) {
                    try await consume(on: channel, queue: queue, count: count, prefetch: prefetch, ackEvery: ackEvery)
                }
            case "pool":
                result = try await consume(on: channel, queue: queue, count: count, prefetch: prefetch, ackEvery: ackEvery)
            case let other: throw BenchError("--mode takes thread or pool, not \(other)")
            }
        }
        try await connection.close()
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    static func publish(on channel: Channel, queue: String, count: Int, batch: Int, size: Int) async throws -> [String: Any] {
        try await channel.purgeQueue(queue)
        try await channel.enablePublisherConfirms(maxUnconfirmed: batch)
        let message = OutgoingMessage(routingKey: queue, body: Data(repeating: 0x61, count: size),
                                      properties: BasicProperties(deliveryMode: 2), mandatory: false)
        let start = ContinuousClock.now
        var sent = 0
        while sent < count {
            let size = min(batch, count - sent)
            let results = try await channel.publish(contentsOf: Array(repeating: message, count: size))
            for case .failure(let error) in results { throw error }
            sent += size
        }
        let elapsed = seconds(since: start)
        return ["mode": "publish", "messages": count, "seconds": elapsed, "per_s": Double(count) / elapsed]
    }

    static func consume(on channel: Channel, queue: String, count: Int, prefetch: Int, ackEvery: Int) async throws -> [String: Any] {
        try await channel.qos(prefetchCount: UInt16(prefetch))
        let start = ContinuousClock.now
        let consumer = try await channel.consume(queue: queue)
        var received = 0
        var last: Delivery?
        for try await delivery in consumer {
            received += 1
            last = delivery
            if received % ackEvery == 0 {
                try await delivery.ack(multiple: true)
                last = nil
            }
            if received == count { break }
        }
        if let last { try await last.ack(multiple: true) }
        let elapsed = seconds(since: start)
        try await consumer.cancel()
        return ["mode": "consume", "messages": received, "seconds": elapsed, "per_s": Double(received) / elapsed]
    }
}

