@testable import BrokerAdmin
import Foundation
import RabbitMQ
import Testing

/// The parts of apply that need no broker: reading its refusals, HTTP framing, the diff.
@Suite struct PlanTests {
    @Test("a 406 refusal is read into both sides, typed values included")
    func refusal() throws {
        let text = "PRECONDITION_FAILED - inequivalent arg 'x-delivery-limit' for queue 'payment.commands' in vhost '/': received the value '5' of type 'long' but current is the value '3' of type 'signedint'"
        let refusal = try #require(Inequivalence.refusal(text))
        #expect(refusal.difference == Difference(property: "x-delivery-limit", broker: "3", topology: "5"))
        #expect(refusal.brokerValue == .int64(3))

        let queueType = try #require(Inequivalence.parse("PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'q' in vhost 'v': received the value 'quorum' of type 'longstr' but current is none"))
        #expect(queueType.sentence(file: "topology/cleaning/payment.yaml") == "x-queue-type is classic on the broker, quorum in topology/cleaning/payment.yaml")

        let durable = try #require(Inequivalence.parse("PRECONDITION_FAILED - inequivalent arg 'durable' for queue 'q' in vhost '/': received 'true' but current is 'false'"))
        #expect(durable == Difference(property: "durable", broker: "false", topology: "true"))
    }

    @Test("responses with Content-Length and chunked bodies are read")
    func httpFraming() throws {
        let plain = try HTTPClient.parse(Data("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]".utf8))
        #expect(plain.status == 200 && plain.text == "[]")
        let chunked = try HTTPClient.parse(Data("HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n[{\"a\r\n5;x=y\r\n\":1}]\r\n0\r\n\r\n".utf8))
        #expect(chunked.status == 201 && chunked.text == "[{\"a\":1}]")
    }

    @Test("the management URL defaults to the AMQP URL's host and credentials on 15672")
    func defaultManagementURL() throws {
        let amqp = try RabbitMQ.Configuration(url: "amqp://ops:p%40ss@broker.internal:5672/prod")
        #expect(ManagementAPI.defaultURL(for: amqp, environment: [:]) == "http://ops:p%40ss@broker.internal:15672")
        #expect(ManagementAPI.defaultURL(for: amqp, environment: ["RABBITMQ_MANAGEMENT_URL": "http://a:b@c:1"]) == "http://a:b@c:1")
        let api = try ManagementAPI(url: "http://ops:p%40ss@broker.internal:15672")
        #expect(api.displayURL == "http://ops@broker.internal:15672")
        #expect(throws: ManagementError.self) { try ManagementAPI(url: "https://broker.internal:15671") }
    }
}
