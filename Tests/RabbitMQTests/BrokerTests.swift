import Foundation
import Synchronization
import Testing
@testable import RabbitMQ

/// Round trips against the real broker (the test that freezes it is in BrokerDisruptionTests).
@Suite(.serialized) struct BrokerTests {
    @Test func publishConfirmConsumeAckKeepsEveryPropertyAndNestedHeader() async throws {
        try await Broker.withChannel { _, channel in
            let queue = Broker.uniqueName("roundtrip")
            try await channel.declareQueue(queue, arguments: ["x-queue-type": "quorum"])
            try await channel.enablePublisherConfirms()
            let properties = BasicProperties(
                contentType: "application/json", contentEncoding: "utf-8",
                headers: ["causation-id": "c-1", "x-attempt": .int64(2), "nested": ["list": [1, "two", true], "table": ["deep": 1.5]]],
                deliveryMode: 2, priority: 1, correlationId: "corr-1", replyTo: "nowhere", expiration: "60000",
                messageId: "m-1", timestamp: 1_700_000_000, type: "reservation.CleaningRequested", userId: "guest",
                appId: "reservation", clusterId: nil)
            try await channel.publish(Data(#"{"id":1}"#.utf8), routingKey: queue, properties: properties)

            let consumer = try await channel.consume(queue: queue)
            let delivery = try #require(try await consumer.first(1).first)
            #expect(delivery.body == Data(#"{"id":1}"#.utf8))
            #expect(delivery.properties == properties)
            #expect(delivery.routingKey == queue)
            #expect(!delivery.redelivered)
            try await delivery.ack()
            try await consumer.cancel()
            let state = try await channel.declareQueue(queue, passive: true)
            #expect(state.messageCount == 0, "the ack must remove the message")
            try await channel.deleteQueue(queue)
        }
    }

    /// The connection's wake-up pipe is closed when its core is released: a connection that
    /// consumed, acked, published and closed must leave no reference cycle keeping it.
    @Test func aClosedConnectionIsReleasedWithItsWakeUpPipe() async throws {
        weak var released: ConnectionCore?
        do {
            let connection = try await Broker.connect()
            released = connection.core
            let channel = try await connection.openChannel()
            let queue = Broker.uniqueName("release")
            try await channel.declareQueue(queue, exclusive: true, arguments: ["x-queue-type": "classic"])
            try await channel.enablePublisherConfirms()
            for index in 0..<5 { try await channel.publish(Data("\(index)".utf8), routingKey: queue) }
            let consumer = try await channel.consume(queue: queue)
            for delivery in try await consumer.first(3) { try await delivery.ack() }
            try await connection.close()
        }
        for _ in 0..<100 where released != nil { try await Task.sleep(for: .milliseconds(10)) }
        #expect(released == nil, "the closed connection's core (and its pipe) is still held")
    }

    /// Acks submitted together in any order (a worker's lanes finish out of order), in one
    /// corked batch each round: the broker takes every one of them (it closes the channel on an
    /// ack of an unknown tag) and keeps nothing.
    @Test func acksInAnyOrderAreAllTakenByTheBroker() async throws {
        try await Broker.withChannel { _, channel in
            let queue = try await Broker.quorumQueue("acks", holding: 0..<200, on: channel)
            try await channel.qos(prefetchCount: 200)
            let consumer = try await channel.consume(queue: queue)
            var deliveries = try await consumer.first(200)
            #expect(deliveries.count == 200)
            // In rounds: 2 to 100 while 1 is unacked, then 1, then the rest shuffled.
            var generator = SystemRandomNumberGenerator()
            let first = deliveries.first { $0.deliveryTag == 1 }.map { [$0] } ?? []
            let run = deliveries.filter { (2...100).contains($0.deliveryTag) }.shuffled(using: &generator)
            deliveries = deliveries.filter { $0.deliveryTag > 100 }.shuffled(using: &generator)
            for round in [run, first, deliveries] {
                for delivery in round { try await delivery.ack() }
                try await channel.qos(prefetchCount: 200)  // a round trip: the acks before it were sent
            }
            try await consumer.cancel()
            let state = try await channel.declareQueue(queue, passive: true)
            #expect(state.messageCount == 0, "every ack was taken")
            try await channel.deleteQueue(queue)
        }
    }

    /// Acks submitted together become one `multiple` ack only where no older delivery is still
    /// outstanding: the one delivery left unacked in the middle is the one the queue still holds.
    @Test func acksTogetherNeverReachOverAnOutstandingDelivery() async throws {
        try await Broker.withChannel { connection, channel in
            let queue = try await Broker.quorumQueue("acks-together", holding: 1...10, on: channel)
            let consuming = try await connection.openChannel()
            try await consuming.qos(prefetchCount: 10)
            let consumer = try await consuming.consume(queue: queue)
            let deliveries = try await consumer.first(10)
            #expect(deliveries.map { String(decoding: $0.body, as: UTF8.self) } == (1...10).map { "\($0)" })
            try await Delivery.ack([deliveries[2], deliveries[3], deliveries[4]])   // 1 and 2 outstanding
            try await Delivery.ack([deliveries[1], deliveries[0], deliveries[5], deliveries[6]])
            try await Delivery.ack([deliveries[8], deliveries[9]])                 // 8 outstanding
            try await consuming.qos(prefetchCount: 10)  // a round trip: the acks before it were sent
            try await consuming.close()                 // the unacked one goes back to the queue
            let left = try await channel.consume(queue: queue)
            let remaining = try await left.first(1)
            #expect(remaining.map { String(decoding: $0.body, as: UTF8.self) } == ["8"])
            try await remaining[0].ack()
            try await left.cancel()
            #expect(try await channel.declareQueue(queue, passive: true).messageCount == 0, "nothing else was left")
            try await channel.deleteQueue(queue)
        }
    }

    /// Acks together after the connection is gone: a clear error, and the broker still holds
    /// every one of those deliveries for the next consumer.
    @Test func acksTogetherOnALostConnectionFailAndLoseNothing() async throws {
        try await Broker.withChannel { _, channel in
            let queue = try await Broker.quorumQueue("acks-lost", holding: 1...3, on: channel)
            let gone = try await Broker.connect()
            let consuming = try await gone.openChannel()
            let deliveries = try await consuming.consume(queue: queue).first(3)
            try await gone.close()
            let error = await #expect(throws: RabbitMQError.self) { try await Delivery.ack(deliveries) }
            #expect(error?.endsConnection == true, "\(String(describing: error))")
            let again = try await channel.consume(queue: queue).first(3)
            #expect(again.map { String(decoding: $0.body, as: UTF8.self) } == ["1", "2", "3"])
            #expect(again.allSatisfy { $0.redelivered })
            try await Delivery.ack(again)
            try await channel.qos(prefetchCount: 10)  // a round trip: the ack before it was sent
            #expect(try await channel.declareQueue(queue, passive: true).messageCount == 0)
            try await channel.deleteQueue(queue)
        }
    }

    @Test func aBodyLargerThanTheFrameSizeArrivesWhole() async throws {
        try await Broker.withChannel { connection, channel in
            let queue = Broker.uniqueName("large")
            try await channel.declareQueue(queue, exclusive: true, arguments: ["x-queue-type": "classic"])
            try await channel.enablePublisherConfirms()
            let body = Data((0..<(connection.frameMax * 5 + 17)).map { UInt8(truncatingIfNeeded: $0) })
            try await channel.publish(body, routingKey: queue)
            let consumer = try await channel.consume(queue: queue, noAck: true)
            let delivery = try #require(try await consumer.first(1).first)
            #expect(delivery.body == body)
        }
    }

    @Test func manyPublishesStayWithinTheUnconfirmedBoundAndAllAreConfirmed() async throws {
        try await Broker.withChannel { _, channel in
            let queue = Broker.uniqueName("bounded")
            try await channel.declareQueue(queue, exclusive: true, arguments: ["x-queue-type": "classic"])
            try await channel.enablePublisherConfirms(maxUnconfirmed: 64)
            let messages = (0..<3000).map { OutgoingMessage(routingKey: queue, body: Data("\($0)".utf8)) }
            let results = try await channel.publish(contentsOf: messages)
            #expect(results.count == 3000)
            #expect(results.allSatisfy { if case .success = $0 { true } else { false } })
            #expect(try await channel.declareQueue(queue, passive: true).messageCount == 3000)
        }
    }

    @Test func anUnroutableMandatoryMessageIsReturnedAsAnError() async throws {
        try await Broker.withChannel { _, channel in
            let exchange = Broker.uniqueName("nowhere")
            try await channel.declareExchange(exchange, type: .topic, durable: false, autoDelete: true)
            try await channel.enablePublisherConfirms()
            let error = await #expect(throws: RabbitMQError.self) {
                try await channel.publish(Data("{}".utf8), exchange: exchange, routingKey: "no.such.key",
                                          properties: BasicProperties(messageId: "lost-1"))
            }
            #expect(error?.code == .returned)
            #expect(error?.replyCode == 312)
            #expect(error?.description.contains("NO_ROUTE") == true)
            // The channel stays usable after a return.
            try await channel.declareExchange(exchange, type: .topic, durable: false, autoDelete: true)
        }
    }

    @Test func aRefusedPublishIsNackedAndReported() async throws {
        try await Broker.withChannel { _, channel in
            let queue = Broker.uniqueName("full")
            // A queue that holds one message and refuses more makes the broker nack the second.
            try await channel.declareQueue(queue, exclusive: true, arguments: ["x-max-length": 1, "x-overflow": "reject-publish"])
            try await channel.enablePublisherConfirms()
            try await channel.publish(Data("1".utf8), routingKey: queue)
            let error = await #expect(throws: RabbitMQError.self) {
                try await channel.publish(Data("2".utf8), routingKey: queue)
            }
            #expect(error?.code == .nacked)
        }
    }

    @Test func anInequivalentRedeclareReadsAsPreconditionFailed() async throws {
        let queue = Broker.uniqueName("inequivalent")
        try await Broker.withChannel { connection, channel in
            try await channel.declareQueue(queue, arguments: ["x-queue-type": "quorum"])
            let error = await #expect(throws: RabbitMQError.self) {
                try await channel.declareQueue(queue, arguments: ["x-queue-type": "classic"])
            }
            #expect(error?.code == .channelClosed)
            #expect(error?.replyCode == 406)
            #expect(error?.method == "queue.declare")
            #expect(error?.description.contains("PRECONDITION_FAILED") == true)
            #expect(error?.description.contains("x-queue-type") == true)
            // The channel is gone and says why; the connection is not.
            await #expect(throws: RabbitMQError.self) { try await channel.qos(prefetchCount: 1) }
            let other = try await connection.openChannel()
            try await other.deleteQueue(queue)
        }
    }

    @Test func aMissingQueueIsNotFound() async throws {
        try await Broker.withChannel { _, channel in
            let error = await #expect(throws: RabbitMQError.self) {
                try await channel.declareQueue(Broker.uniqueName("missing"), passive: true)
            }
            #expect(error?.replyCode == 404)
            #expect(error?.description.contains("NOT_FOUND") == true)
        }
    }

    @Test func nackWithRequeueRedeliversAndRejectDrops() async throws {
        try await Broker.withChannel { _, channel in
            let queue = Broker.uniqueName("settle")
            try await channel.declareQueue(queue, exclusive: true, arguments: ["x-queue-type": "classic"])
            try await channel.enablePublisherConfirms()
            try await channel.publish(Data("a".utf8), routingKey: queue)
            try await channel.qos(prefetchCount: 1)
            let consumer = try await channel.consume(queue: queue)
            var iterator = consumer.makeAsyncIterator()
            let first = try #require(try await iterator.next())
            try await first.nack(requeue: true)
            let again = try #require(try await iterator.next())
            #expect(again.redelivered)
            #expect(again.body == Data("a".utf8))
            try await again.reject(requeue: false)
            try await consumer.cancel()
            #expect(try await channel.declareQueue(queue, passive: true).messageCount == 0)
        }
    }

    @Test func multipleAckSettlesEverythingUpToTheTag() async throws {
        try await Broker.withChannel { _, channel in
            let queue = Broker.uniqueName("multiple")
            try await channel.declareQueue(queue, exclusive: true, arguments: ["x-queue-type": "classic"])
            try await channel.enablePublisherConfirms()
            _ = try await channel.publish(contentsOf: (0..<10).map { OutgoingMessage(routingKey: queue, body: Data("\($0)".utf8)) })
            try await channel.qos(prefetchCount: 10)
            let consumer = try await channel.consume(queue: queue)
            let deliveries = try await consumer.first(10)
            try await deliveries.last!.ack(multiple: true)
            try await consumer.cancel()
            #expect(try await channel.declareQueue(queue, passive: true).messageCount == 0)
        }
    }

    @Test func aConsumerRunOnTheConnectionsThreadReceivesPublishesAndAcks() async throws {
        let connection = try await Broker.connect()
        let queue = Broker.uniqueName("executor")
        let received = try await withTaskExecutorPreference(connection.taskExecutor) {
            let channel = try await connection.openChannel()
            try await channel.declareQueue(queue, exclusive: true, arguments: ["x-queue-type": "classic"])
            try await channel.enablePublisherConfirms()
            // Publishes with confirms and a consumer with acks, awaited on the connection's own thread.
            _ = try await channel.publish(contentsOf: (0..<500).map { OutgoingMessage(routingKey: queue, body: Data("\($0)".utf8)) })
            try await channel.qos(prefetchCount: 20)
            let consumer = try await channel.consume(queue: queue)
            var bodies: [String] = []
            for try await delivery in consumer {
                bodies.append(String(decoding: delivery.body, as: UTF8.self))
                if bodies.count % 10 == 0 { try await delivery.ack(multiple: true) }
                if bodies.count == 500 { break }
            }
            try await consumer.cancel()
            #expect(try await channel.declareQueue(queue, passive: true).messageCount == 0, "every delivery was acked")
            return bodies
        }
        #expect(received == (0..<500).map { "\($0)" }, "every message arrived once, in order")
        try await connection.close()
        // A task that prefers the thread of a closed connection still runs.
        let after = await withTaskExecutorPreference(connection.taskExecutor) { 7 }
        #expect(after == 7)
    }

    @Test func rpcOverDirectReplyTo() async throws {
        let server = try await Broker.connect()
        let client = try await Broker.connect()
        let queue = Broker.uniqueName("rpc")
        let serverChannel = try await server.openChannel()
        try await serverChannel.declareQueue(queue, exclusive: true, arguments: ["x-queue-type": "classic"])
        let requests = try await serverChannel.consume(queue: queue)
        let serving = Task {
            for try await request in requests {
                let reply = BasicProperties(contentType: "application/json", headers: ["in-reply-to": .string(request.properties.messageId ?? "")],
                                            correlationId: request.properties.correlationId)
                try await request.channel.publish(Data("approved:".utf8) + request.body, routingKey: request.properties.replyTo!,
                                                  properties: reply, mandatory: false)
                try await request.ack()
            }
        }
        let channel = try await client.openChannel()
        let replies = try await channel.consume(queue: "amq.rabbitmq.reply-to", noAck: true)
        try await channel.publish(Data("42".utf8), routingKey: queue,
                                  properties: BasicProperties(correlationId: "call-1", replyTo: "amq.rabbitmq.reply-to", expiration: "5000", messageId: "req-1"))
        let reply = try #require(try await replies.first(1).first)
        #expect(reply.body == Data("approved:42".utf8))
        #expect(reply.properties.correlationId == "call-1")
        #expect(reply.properties.headers?["in-reply-to"]?.stringValue == "req-1")
        serving.cancel()
        try await client.close()
        try await server.close()
    }

    @Test func deletingAQueueEndsItsConsumerWithATypedError() async throws {
        try await Broker.withChannel { connection, channel in
            let queue = Broker.uniqueName("deleted")
            try await channel.declareQueue(queue, arguments: ["x-queue-type": "classic"])
            let consumer = try await channel.consume(queue: queue)
            let other = try await connection.openChannel()
            try await other.deleteQueue(queue)
            let error = await #expect(throws: RabbitMQError.self) { _ = try await consumer.first(1, within: 5) }
            #expect(error?.code == .consumerCancelled)
        }
    }

    @Test func wrongCredentialsAreRefusedWithoutShowingThePassword() async throws {
        var configuration = try Configuration(url: Broker.url)
        configuration.password = "definitely-wrong-password"
        let error = await #expect(throws: RabbitMQError.self) { try await Connection.connect(configuration) }
        #expect(error?.code == .accessRefused)
        #expect(error?.replyCode == 403)
        #expect(error?.description.contains("definitely-wrong-password") == false)
    }

    @Test func anUnreachableBrokerFailsToConnectWithTheAddress() async throws {
        var configuration = try Configuration(url: Broker.url)
        configuration.port = 1
        let error = await #expect(throws: RabbitMQError.self) { try await Connection.connect(configuration) }
        #expect(error?.code == .connectionFailed)
        #expect(error?.description.contains(":1") == true)
    }

    /// `top -H`, `perf` and /proc show which thread is a broker connection's.
    /// Another test's connection to the same broker may carry the name too; the name is the point.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/task")))
    func theConnectionThreadIsNamedAfterTheBrokerPort() async throws {
        let port = try Configuration(url: Broker.url).port
        let connection = try await Broker.connect()
        let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")
        let names = tasks.compactMap { try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8) }
        #expect(names.contains("amqp:\(port)\n"), "thread names: \(Set(names))")
        try await connection.close()
    }
}
