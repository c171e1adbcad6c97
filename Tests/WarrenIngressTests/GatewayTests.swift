import Foundation
import HummingbirdTesting
import Testing
import Warren
@testable import WarrenIngress

/// The ingress's own answers: unknown routes, methods, outcome polling, the OpenAPI document,
/// health and metrics.
@Suite struct GatewayTests {
    @Test func unknownRoutesAre404AndOtherMethods405WithAllow() async throws {
        try await IngressHarness.with { harness in
            try await harness.withIngress { client in
                let unknown = try await client.send(.get, "/nowhere")
                #expect(unknown.status == .notFound)
                #expect(unknown.json["status"] == .integer(404))

                let wrongMethod = try await client.send(.put, "/accounts/1", json: "{}")
                #expect(wrongMethod.status == .methodNotAllowed)
                #expect(wrongMethod.headers[.allow] == "DELETE, GET, HEAD, OPTIONS")
                #expect(wrongMethod.json["status"] == .integer(405))

                let options = try await client.send(.options, "/accounts")
                #expect(options.status == .noContent)
                #expect(options.headers[.allow] == "GET, HEAD, OPTIONS, POST")

                let head = try await client.send(.head, "/livez")
                #expect(head.status == .ok)
                #expect(head.body.readableBytes == 0)
            }
        }
    }

    @Test func aPollAnswers202UntilTheInboxHoldsTheOutcome() async throws {
        try await IngressHarness.with { harness in
            let messageId = UUID().uuidString.lowercased()
            try await harness.withIngress { client in
                let pending = try await client.send(.get, "/outcomes/accounts/\(messageId)")
                #expect(pending.status == .accepted)
                #expect(pending.headers[.location] == "http://localhost/outcomes/accounts/\(messageId)")

                try await harness.owner.execute("""
                    INSERT INTO accounts.warren_inbox (message_id, type, queue, reply, reply_type)
                    VALUES ($1, 'accounts.OpenAccount', 'accounts.commands', '{"result":"created","id":"9","resource":{"id":9}}', 'warren.Outcome')
                    """, [messageId])
                let done = try await client.send(.get, "/outcomes/accounts/\(messageId)")
                #expect(done.status == .created)
                #expect(done.headers[.location] == "http://localhost/accounts/9")
                #expect(done.json["id"] == .integer(9))
            }
        }
    }

    @Test func aPollOfARefusalOrAnErrorIsItsStatus() async throws {
        try await IngressHarness.with { harness in
            let refused = UUID().uuidString.lowercased(), failed = UUID().uuidString.lowercased(), bare = UUID().uuidString.lowercased()
            try await harness.owner.execute("""
                INSERT INTO accounts.warren_inbox (message_id, type, queue, reply, reply_type) VALUES
                ($1, 'accounts.Deposit', 'accounts.commands', '{"result":"refused","refusal":{"kind":"conflict","reason":"closed"}}', 'warren.Outcome'),
                ($2, 'accounts.Deposit', 'accounts.commands', '{"error":"handler failed for good"}', 'warren.Error'),
                ($3, 'accounts.Deposit', 'accounts.commands', NULL, NULL)
                """, [refused, failed, bare])
            try await harness.withIngress { client in
                let conflict = try await client.send(.get, "/outcomes/accounts/\(refused)")
                #expect(conflict.status == .conflict)
                #expect(conflict.json["error"] == .string("closed"))
                let error = try await client.send(.get, "/outcomes/accounts/\(failed)")
                #expect(error.status == .unprocessableContent)
                #expect(try await client.send(.get, "/outcomes/accounts/\(bare)").status == .noContent)
                #expect(try await client.send(.get, "/outcomes/ledger/\(bare)").status == .notFound)
                #expect(try await client.send(.get, "/outcomes/accounts/not-a-uuid").status == .notFound)
            }
        }
    }

    @Test func theOpenAPIDocumentListsEveryRoute() async throws {
        try await IngressHarness.with { harness in
            try await harness.withIngress { client in
                let response = try await client.send(.get, "/openapi.json")
                #expect(response.status == .ok)
                let document = response.json
                #expect(document["openapi"] == .string("3.1.0"))
                let paths = document["paths"]
                #expect(paths?["/accounts"]?["post"]?["requestBody"]?["content"]?["application/json"]?["schema"]?["required"]
                        == .array([.string("owner"), .string("limit"), .string("currency")]))
                #expect(paths?["/accounts/{id}"]?["get"]?["responses"]?["200"] != nil)
                #expect(paths?["/accounts/{id}"]?["delete"]?["responses"]?["202"] != nil)
                #expect(paths?["/accounts"]?["get"]?["parameters"]?.count == 3)
                #expect(paths?["/limits"]?["post"]?["responses"]?["200"] != nil)
                #expect(paths?["/outcomes/{context}/{messageId}"]?["get"] != nil)
                #expect(document["components"]?["schemas"]?["accounts.accounts"] != nil)
            }
        }
    }

    @Test func healthAndMetrics() async throws {
        try await IngressHarness.with { harness in
            try await harness.withIngress { client in
                #expect(try await client.send(.get, "/livez").json == .object(["alive": .bool(true)]))
                var ready = false
                for _ in 0..<50 where !ready {
                    ready = try await client.send(.get, "/readyz").status == .ok
                    if !ready { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(ready, "/readyz never said ready")
                _ = try await client.send(.get, "/accounts/12345")
                let metrics = try await client.send(.get, "/metrics").text
                #expect(metrics.contains(#"warren_http_requests_total{method="GET",route="/accounts/{id}",status="404"}"#), "\(metrics)")
                #expect(metrics.contains(#"warren_http_request_duration_seconds_bucket{method="GET",route="/accounts/{id}",status="404""#))
            }
        }
    }
}

/// The parts without servers.
@Suite struct IngressUnitTests {
    @Test func routeTablePrefersLiteralSegmentsAndDecodesPaths() {
        var table = RouteTable<String>()
        table.add("GET", "/items/{id}", "item")
        table.add("GET", "/items/search", "search")
        table.add("POST", "/items", "create")
        guard case .found(let entry, let parameters) = table.match(method: "GET", path: "/items/a%20b") else {
            Issue.record("no match"); return
        }
        #expect(entry.target == "item")
        #expect(parameters == ["id": "a b"])
        guard case .found(let search, _) = table.match(method: "GET", path: "/items/search/") else { Issue.record("no match"); return }
        #expect(search.target == "search")
        guard case .methodNotAllowed(let allow) = table.match(method: "DELETE", path: "/items") else { Issue.record("no 405"); return }
        #expect(allow == ["OPTIONS", "POST"])
        guard case .notFound = table.match(method: "GET", path: "/items/%zz") else { Issue.record("bad escape matched"); return }
    }

    @Test func namesFollowTheContract() {
        #expect(SQLName.snake("cleaningReservations") == "cleaning_reservations")
        #expect(SQLName.snake("dashBoardViews") == "dash_board_views")
        #expect(SQLName.snake("numberLast4") == "number_last4")
        #expect(SQLName.schema(of: "pay-method") == "\"pay_method\"")
        #expect(SQLName.singular("payments") == "payment")
        #expect(SQLName.singular("categories") == "category")
        #expect(SQLName.singular("addresses") == "address")
        #expect(SQLName.singular("cleans") == "clean")
    }

    @Test func idempotencyKeysMakeVersion5UUIDs() {
        #expect(SHA1.digest(Array("abc".utf8)).map { String(format: "%02x", $0) }.joined() == "a9993e364706816aba3e25717850c26c9cd0d89d")
        // RFC 9562 appendix A.4: the DNS namespace and www.example.com
        let dns = UUID(uuidString: "6ba7b810-9dad-11d1-80b4-00c04fd430c8")!
        #expect(MessageIdentity.nameBased(namespace: dns, name: "www.example.com").uuidString.lowercased() == "2ed6657d-e927-568b-95e1-2665a8aea6a2")
        let first = MessageIdentity.messageId(idempotencyKey: "k", method: "POST", path: "/a")
        #expect(first == MessageIdentity.messageId(idempotencyKey: "k", method: "POST", path: "/a"))
        #expect(first != MessageIdentity.messageId(idempotencyKey: "k", method: "POST", path: "/b"))
        #expect(first != MessageIdentity.messageId(idempotencyKey: "k", method: "PUT", path: "/a"))
    }

    @Test(arguments: [
        ([:], "AMQP_URL"),
        (["AMQP_URL": "amqp://x/%2f"], "READ_DATABASE_URL"),
        (["AMQP_URL": "http://x", "DATABASE_URL": "postgres://u@h/d"], "AMQP_URL"),
        (["AMQP_URL": "amqp://x/%2f", "READ_DATABASE_URL": "mysql://u@h/d"], "READ_DATABASE_URL"),
        (["AMQP_URL": "amqp://x/%2f", "DATABASE_URL": "postgres://u@h/d", "INGRESS_PORT": "http"], "INGRESS_PORT"),
        (["AMQP_URL": "amqp://x/%2f", "DATABASE_URL": "postgres://u@h/d", "MAX_BODY_BYTES": "0"], "MAX_BODY_BYTES"),
        (["AMQP_URL": "amqp://x/%2f", "DATABASE_URL": "postgres://u@h/d", "COMMAND_TIMEOUT": "5"], "COMMAND_TIMEOUT"),
        (["AMQP_URL": "amqp://x/%2f", "DATABASE_URL": "postgres://u@h/d", "READ_CONNECTIONS": "100"], "READ_CONNECTIONS"),
    ])
    func aBadSettingNamesItsVariable(environment: [String: String], variable: String) {
        #expect {
            _ = try IngressConfiguration.fromEnvironment(environment)
        } throws: { error in
            "\(error)".hasPrefix(variable)
        }
    }

    @Test func settingsAreRead() throws {
        let configuration = try IngressConfiguration.fromEnvironment([
            "AMQP_URL": "amqp://x/%2f", "DATABASE_URL": "postgres://owner@h/d", "READ_DATABASE_URL": "postgres://reader@h/d",
            "INGRESS_PORT": "9000", "MAX_BODY_BYTES": "2048", "COMMAND_TIMEOUT": "750ms", "TOPOLOGY_DIR": "/t",
        ])
        #expect(configuration.readDatabaseURL == "postgres://reader@h/d")
        #expect(configuration.port == 9000)
        #expect(configuration.maxBodyBytes == 2048)
        #expect(configuration.commandTimeout == .milliseconds(750))
        #expect(configuration.topologyDirectory == "/t")
    }
}
