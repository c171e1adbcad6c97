import Foundation
import RabbitMQ
import Testing
import Topology
import Warren

/// A delayed retry must come back to the one queue it failed in, not to every retrying queue
/// of its context (a headers binding on an `x-` header would match everything).
@Suite struct RetryRoutingTests {
    @Test func aRetryReturnsOnlyToTheQueueNamedInItsHeader() async throws {
        try await RuntimeHarness.with { harness in
            let connection = try await harness.connect()
            let channel = try await connection.openChannel()
            // A second retrying queue of the same context, bound the way the topology binds them.
            let other = "ledger.other-retrying"
            _ = try await channel.declareQueue(other, durable: false, autoDelete: true)
            try await channel.bindQueue(other, exchange: "ledger.requeue", routingKey: "",
                                        arguments: ["x-match": .string("all"), Topology.Queue.retryQueueHeader: .string(other)])
            try await channel.enablePublisherConfirms()
            var properties = Envelope(type: "ledger.Deposit").properties
            properties.headers?[Topology.Queue.retryQueueHeader] = .string("ledger.commands")
            try await channel.publish(OutgoingMessage(exchange: "ledger.requeue", routingKey: "ledger.Deposit",
                                                      body: Data(#"{"account":"a","amount":1}"#.utf8), properties: properties))
            try await harness.eventually("the retry is back in ledger.commands") { try await harness.messageCount("ledger.commands") == 1 }
            #expect(try await harness.messageCount(other) == 0, "the retry also reached another queue of the context")
            try await connection.close()
        }
    }
}
