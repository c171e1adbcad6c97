import Foundation
import RabbitMQ
import Testing
@testable import Warren

/// Against the real broker (`scripts/servers env`), on queues and an exchange of the test's own.
@Suite(.serialized) struct DeadLetterQueueTests {
    static let amqpURL = ProcessInfo.processInfo.environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/%2f"

    /// An events exchange, the queue that failed, and its quorum dead letter queue, all named
    /// `warren-dead-test-<random>.*`, removed after `body`.
    struct Scene {
        let connection: Connection
        let prefix = "warren-dead-test-\(UUID().uuidString.prefix(8).lowercased())"
        var exchange: String { "\(prefix).events" }
        var original: String { "\(prefix).orders" }
        var dead: String { "\(prefix).dead" }
        var queue: DeadLetterQueue { DeadLetterQueue(queue: dead, connection: connection) }

        static func with(_ body: (Scene) async throws -> Void) async throws {
            let connection = try await Connection.connect(url: DeadLetterQueueTests.amqpURL)
            let scene = Scene(connection: connection)
            try await connection.withChannel { channel in
                try await channel.declareExchange(scene.exchange, type: .topic, durable: false)
                _ = try await channel.declareQueue(scene.original, arguments: ["x-queue-type": "quorum"])
                try await channel.bindQueue(scene.original, exchange: scene.exchange, routingKey: "order.placed")
                _ = try await channel.declareQueue(scene.dead, arguments: ["x-queue-type": "quorum"])
            }
            do {
                try await body(scene)
            } catch {
                try? await scene.remove()
                throw error
            }
            try await scene.remove()
        }

        func remove() async throws {
            try await connection.withChannel { channel in
                _ = try await channel.deleteQueue(original)
                _ = try await channel.deleteQueue(dead)
                try await channel.deleteExchange(exchange)
            }
            try await connection.close()
        }

        /// A dead letter as `DeliveryPipeline.deadLetter` writes it.
        func bury(_ id: String, reason: String = "schema-violation", original: Bool = true) async throws {
            var headers: FieldTable = [Envelope.Header.attempt: .int64(3), "causation-id": "cause-1",
                                       DeadLetter.reason: .string(reason), DeadLetter.message: "`total` is not a Decimal",
                                       DeadLetter.failedAt: .timestamp(1_746_100_800), "x-last-error": "timeout"]
            if original {
                headers[DeadLetter.originalExchange] = .string(exchange)
                headers[DeadLetter.originalRoutingKey] = "order.placed"
                headers[DeadLetter.originalQueue] = .string(self.original)
            }
            let properties = BasicProperties(contentType: "application/json", headers: headers, deliveryMode: 2,
                                             correlationId: "corr-\(id)", messageId: id, type: "OrderPlaced")
            try await connection.withChannel { channel in
                try await channel.enablePublisherConfirms()
                let results = try await channel.publish(contentsOf: [OutgoingMessage(
                    routingKey: dead, body: Data(#"{"orderId":"\#(id)","total":"x"}"#.utf8), properties: properties)])
                if case .failure(let error)? = results.first { throw error }
            }
        }

        func ready(_ queue: String) async throws -> Int {
            try await connection.withChannel { try await $0.declareQueue(queue, passive: true).messageCount }
        }

        /// Every message of `queue`, acked (removed).
        func drain(_ queue: String, count: Int) async throws -> [Delivery] {
            try await connection.withChannel { channel in
                var taken: [Delivery] = []
                for try await delivery in try await channel.consume(queue: queue) {
                    try await delivery.ack()
                    taken.append(delivery)
                    if taken.count == count { break }
                }
                return taken
            }
        }
    }

    @Test func listShowsWhatIsThereAndLeavesItThere() async throws {
        try await Scene.with { scene in
            for id in ["m-1", "m-2", "m-3"] { try await scene.bury(id) }
            let inspection = try await scene.queue.inspect(limit: 10)
            #expect(inspection.letters.map(\.messageId) == ["m-1", "m-2", "m-3"])
            #expect(inspection.letters.first?.reason == "schema-violation")
            #expect(inspection.letters.first?.type == "OrderPlaced")
            #expect(inspection.letters.first?.originalRoutingKey == "order.placed")
            #expect(inspection.countBefore == 3 && inspection.countAfter == 3, "before \(inspection.countBefore), after \(inspection.countAfter)")
            #expect(try await scene.ready(scene.dead) == 3, "the dead letters went back to the queue")

            let firstTwo = try await scene.queue.inspect(limit: 2)
            #expect(firstTwo.letters.count == 2 && firstTwo.allReturned)
            #expect(try await scene.ready(scene.dead) == 3)
        }
    }

    @Test func showFindsOneByMessageIdAndLeavesAllInPlace() async throws {
        try await Scene.with { scene in
            for id in ["m-1", "m-2"] { try await scene.bury(id) }
            let letter = try #require(try await scene.queue.letter(id: "m-2", limit: 10))
            #expect(String(decoding: letter.body, as: UTF8.self) == #"{"orderId":"m-2","total":"x"}"#)
            #expect(letter.reasonMessage == "`total` is not a Decimal")
            #expect(letter.failedAt == Date(timeIntervalSince1970: 1_746_100_800))
            #expect(try await scene.queue.letter(id: "m-9", limit: 10) == nil)
            #expect(try await scene.queue.readyCount() == 2)
        }
    }

    @Test func replayMovesOneBackToTheOriginalQueueAsAFirstAttempt() async throws {
        try await Scene.with { scene in
            for id in ["m-1", "m-2", "m-3"] { try await scene.bury(id) }
            let results = try await scene.queue.replay(.ids(["m-2"]), limit: 10)
            #expect(results.map(\.messageId) == ["m-2"])
            #expect(results.first?.problem == nil, "\(results.first?.problem ?? "")")
            #expect(try await scene.queue.readyCount() == 2)
            #expect(try await scene.ready(scene.original) == 1)

            let replayed = try #require(try await scene.drain(scene.original, count: 1).first)
            #expect(replayed.properties.messageId == "m-2")
            #expect(replayed.properties.correlationId == "corr-m-2")
            let headers = replayed.properties.headers ?? [:]
            #expect(headers[Envelope.Header.attempt]?.intValue == 1)
            #expect(headers["causation-id"]?.stringValue == "cause-1", "other headers are kept")
            for death in [DeadLetter.reason, DeadLetter.message, DeadLetter.originalExchange, DeadLetter.originalRoutingKey,
                          DeadLetter.originalQueue, DeadLetter.failedAt, "x-last-error"] {
                #expect(headers[death] == nil, "\(death) should be removed")
            }
        }
    }

    @Test func replayAllMovesEveryReplayableOneAndKeepsTheRest() async throws {
        try await Scene.with { scene in
            try await scene.bury("m-1")
            try await scene.bury("orphan", original: false)
            try await scene.bury("m-3")
            let results = try await scene.queue.replay(.all, limit: 10)
            #expect(results.filter { $0.problem == nil }.map(\.messageId) == ["m-1", "m-3"])
            #expect(results.first { $0.messageId == "orphan" }?.problem?.contains("cannot tell where it came from") == true)
            #expect(try await scene.ready(scene.original) == 2)
            let left = try await scene.queue.inspect(limit: 10)
            #expect(left.letters.map(\.messageId) == ["orphan"])
        }
    }

    @Test func aMissingQueueIsNamed() async throws {
        let connection = try await Connection.connect(url: Self.amqpURL)
        let queue = DeadLetterQueue(context: "no-such-context-\(UUID().uuidString.prefix(6))", connection: connection)
        let error = await #expect(throws: DeadLetterQueue.Failure.self) { try await queue.inspect(limit: 1) }
        #expect(error?.description.contains("does not exist") == true, "\(String(describing: error))")
        try? await connection.close()
    }
}
