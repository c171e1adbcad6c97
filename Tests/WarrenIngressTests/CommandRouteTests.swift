import Foundation
import HummingbirdTesting
import NIOCore
import Testing
import Warren
@testable import WarrenIngress

/// Command and RPC routes up to the dispatcher: input checks, and the mapping of outcomes and
/// dispatcher failures to HTTP (the dispatcher is a fake here; the end-to-end tests with the
/// RPC client and a worker come with the core).
@Suite struct CommandRouteTests {
    static let account = #"{"owner":"ada","limit":"100.00","currency":"EUR"}"#

    @Test func aCreatedOutcomeIs201WithLocationAndTheResource() async throws {
        let dispatcher = FakeDispatcher { _ in
            Outcome(result: .created, id: "42", resource: .object(["id": .integer(42), "owner": .string("ada")]))
        }
        try await IngressHarness.with { harness in
            try await harness.withIngress(dispatcher: dispatcher) { client in
                let response = try await client.send(.post, "/accounts", json: Self.account, headers: [.correlationId: "conversation-1"])
                #expect(response.status == .created)
                #expect(response.headers[.location] == "http://localhost/accounts/42")
                #expect(response.headers[.correlationId] == "conversation-1")
                #expect(response.json["owner"] == .string("ada"))
                #expect(response.json["_links"]?["self"]?["href"] == .string("http://localhost/accounts/42"))
                #expect(response.json["_links"]?["account"]?["href"] == .string("http://localhost/accounts/42"))
            }
        }
        let sent = try #require(dispatcher.sent.first)
        #expect(sent.type == "accounts.OpenAccount")
        #expect(sent.correlationId == "conversation-1")
        #expect(sent.wait == .seconds(2))  // the route's timeout
        #expect(String(decoding: sent.body, as: UTF8.self) == Self.account)  // as sent: numbers keep their digits
    }

    @Test func pathParametersAreMergedIntoTheBodyWithTheirTypes() async throws {
        let dispatcher = FakeDispatcher { _ in .done }
        try await IngressHarness.with { harness in
            try await harness.withIngress(dispatcher: dispatcher) { client in
                let deposit = try await client.send(.post, "/accounts/7/deposits", json: #"{"amount":12.5,"id":999}"#)
                #expect(deposit.status == .noContent)
                let close = try await client.send(.delete, "/accounts/8")  // no body at all
                #expect(close.status == .noContent)
            }
        }
        let bodies = dispatcher.sent.map { try? JSONDecoder().decode(JSONValue.self, from: $0.body) }
        #expect(bodies[0] == .object(["id": .integer(7), "amount": .number(12.5)]))  // the path wins
        #expect(bodies[1] == .object(["id": .integer(8)]))
        #expect(dispatcher.sent[1].wait == .seconds(1))  // COMMAND_TIMEOUT, no route timeout
    }

    @Test func doneWithAResourceIs200() async throws {
        let dispatcher = FakeDispatcher { _ in Outcome(result: .done, resource: .object(["balance": .integer(5)])) }
        try await IngressHarness.with { harness in
            try await harness.withIngress(dispatcher: dispatcher) { client in
                let response = try await client.send(.post, "/accounts/7/deposits", json: #"{"amount":5}"#)
                #expect(response.status == .ok)
                #expect(response.json["balance"] == .integer(5))
            }
        }
    }

    @Test(arguments: [
        (Outcome.Refusal.Kind.invalid, 400), (.declined, 402), (.notFound, 404), (.conflict, 409), (.unavailable, 503),
    ])
    func aRefusalIsA4xxNamingTheReason(kind: Outcome.Refusal.Kind, status: Int) async throws {
        let dispatcher = FakeDispatcher { _ in .refused(kind, "because of \(kind)") }
        try await IngressHarness.with { harness in
            try await harness.withIngress(dispatcher: dispatcher) { client in
                let response = try await client.send(.delete, "/accounts/1")
                #expect(response.status.code == status)
                #expect(response.json["error"] == .string("because of \(kind)"))
                #expect(response.json["kind"] == .string(kind.rawValue))
                #expect(response.json["status"] == .integer(Int64(status)))
                #expect((response.headers[.retryAfter] != nil) == (kind == .unavailable))
            }
        }
    }

    @Test func pastTheWaitIs202WithALocationToPoll() async throws {
        let dispatcher = FakeDispatcher { _ in nil }
        try await IngressHarness.with { harness in
            try await harness.withIngress(dispatcher: dispatcher) { client in
                let response = try await client.send(.post, "/accounts", json: Self.account)
                #expect(response.status == .accepted)
                let messageId = try #require(dispatcher.sent.first?.messageId)
                #expect(response.headers[.location] == "http://localhost/outcomes/accounts/\(messageId)")
                #expect(response.json["messageId"] == .string(messageId))
                #expect(response.headers[.correlationId] == messageId)  // no X-Correlation-Id: the conversation starts here
            }
        }
    }

    @Test func anUnavailableTargetIs503WithRetryAfter() async throws {
        let dispatcher = FakeDispatcher(outcome: { _ throws(RPCError) in throw .unavailable(target: "accounts", reason: "circuit open") },
                                        reply: { _ throws(RPCError) in throw .timedOut(target: "accounts.CheckLimit", after: .seconds(1)) })
        try await IngressHarness.with { harness in
            try await harness.withIngress(dispatcher: dispatcher) { client in
                for response in [try await client.send(.post, "/accounts", json: Self.account),
                                 try await client.send(.post, "/limits", json: #"{"id":1,"amount":3}"#)] {
                    #expect(response.status == .serviceUnavailable)
                    #expect(response.headers[.retryAfter] == "5")
                    #expect(response.json["status"] == .integer(503))
                }
            }
        }
    }

    @Test func anIdempotencyKeyGivesARetryTheSameMessageId() async throws {
        let dispatcher = FakeDispatcher { _ in .done }
        try await IngressHarness.with { harness in
            try await harness.withIngress(dispatcher: dispatcher) { client in
                for key in ["key-1", "key-1", "key-2"] {
                    _ = try await client.send(.post, "/accounts", json: Self.account, headers: [.idempotencyKey: key])
                }
                _ = try await client.send(.post, "/accounts", json: Self.account)
                _ = try await client.send(.post, "/accounts", json: Self.account)
            }
        }
        let ids = dispatcher.sent.compactMap(\.messageId)
        #expect(ids.count == 5)
        #expect(ids[0] == ids[1])
        #expect(ids[0] == MessageIdentity.messageId(idempotencyKey: "key-1", method: "POST", path: "/accounts"))
        #expect(Set(ids).count == 4)
    }

    @Test func anRPCRouteAnswersTheReply() async throws {
        let dispatcher = FakeDispatcher(reply: { sent in
            RPCAnswer(type: "accounts.CheckLimitReply", body: Data(#"{"allowed":true}"#.utf8))
        })
        try await IngressHarness.with { harness in
            try await harness.withIngress(dispatcher: dispatcher) { client in
                let response = try await client.send(.post, "/limits", json: #"{"id":1,"amount":"2.50"}"#)
                #expect(response.status == .ok)
                #expect(response.json == .object(["allowed": .bool(true)]))
            }
        }
        #expect(dispatcher.sent.first?.type == "accounts.CheckLimit")
        #expect(dispatcher.sent.first?.wait == .seconds(1))  // the RPC's declared timeout
    }

    // MARK: Bad input never reaches the broker

    @Test(arguments: [
        (#"{"owner":"ada","limit":"100","currency":"EUR""#, nil as String?),     // malformed JSON
        (#"[1,2]"#, nil),                                                        // not an object
        (#"{"owner":"ada","currency":"EUR"}"#, "limit"),                        // missing field
        (#"{"owner":7,"limit":"1","currency":"EUR"}"#, "owner"),                // wrong type
        (#"{"owner":"ada","limit":"lots","currency":"EUR"}"#, "limit"),         // not a decimal
        (#"{"owner":"ada","limit":1,"currency":"GBP"}"#, "currency"),           // not in the enum
        (#"{"owner":"ada","limit":1,"currency":"EUR","openedAt":"yesterday"}"#, "openedAt"),
    ])
    func badBodiesAre400NamingTheField(body: String, field: String?) async throws {
        let dispatcher = FakeDispatcher()
        try await IngressHarness.with { harness in
            try await harness.withIngress(dispatcher: dispatcher) { client in
                let response = try await client.send(.post, "/accounts", json: body)
                #expect(response.status == .badRequest, "\(body): \(response.text)")
                #expect(response.json["field"] == field.map { .string($0) } ?? nil, "\(response.text)")
                #expect(response.json["status"] == .integer(400))
            }
        }
        #expect(dispatcher.sent.isEmpty)
    }

    @Test func aPathParameterOfTheWrongTypeIs400NamingIt() async throws {
        try await IngressHarness.with { harness in
            try await harness.withIngress { client in
                let response = try await client.send(.delete, "/accounts/seven")
                #expect(response.status == .badRequest)
                #expect(response.json["field"] == .string("id"))
            }
        }
    }

    @Test func aNonJSONBodyIs415() async throws {
        try await IngressHarness.with { harness in
            try await harness.withIngress { client in
                let response = try await client.send(.post, "/accounts", json: "owner=ada", headers: [.contentType: "application/x-www-form-urlencoded"])
                #expect(response.status == .unsupportedMediaType)
                #expect(response.json["status"] == .integer(415))
                let vendor = try await client.send(.post, "/accounts", json: Self.account, headers: [.contentType: "application/vnd.bank+json; charset=utf-8"])
                #expect(vendor.status == .noContent)
            }
        }
    }

    @Test func aBodyOverTheLimitIs413() async throws {
        try await IngressHarness.with { harness in
            try await harness.withIngress(maxBodyBytes: 64) { client in
                let big = #"{"owner":"\#(String(repeating: "a", count: 100))","limit":1,"currency":"EUR"}"#
                let response = try await client.send(.post, "/accounts", json: big)
                #expect(response.status == .contentTooLarge)
                #expect(response.json["status"] == .integer(413))
            }
        }
    }

    @Test func badConversationHeadersAre400NamingThem() async throws {
        try await IngressHarness.with { harness in
            try await harness.withIngress { client in
                let response = try await client.send(.post, "/accounts", json: Self.account,
                                                     headers: [.idempotencyKey: String(repeating: "k", count: 201)])
                #expect(response.status == .badRequest)
                #expect(response.json["field"] == .string("Idempotency-Key"))
            }
        }
    }
}
