import Testing
import Topology

/// Each broken topology under Fixtures/broken fails with exactly these problems, each naming
/// file, line and column, what is wrong and the fix.
@Suite struct BrokenTopologyTests {
    @Test func aTypoInAKeyIsNamedWithTheKeyItProbablyMeant() throws {
        #expect(try Fixtures.problems(in: "typo-key") == [
            "typo-key/shop/billing.yaml:8:16: queue `billing.order-events` consumes `orders.OrderPlaced`, but none of its bindings routes it there; add the binding `{ exchange: orders.events, routing_key: orders.OrderPlaced }`",
            "typo-key/shop/billing.yaml:10:9: a binding lacks `routing_key`",
            "typo-key/shop/billing.yaml:11:9: unknown key `routing_kye` in a binding; did you mean `routing_key`?",
        ])
    }

    @Test func aReferenceToAnUnknownMessageSuggestsTheClosestType() throws {
        #expect(try Fixtures.problems(in: "dangling-reference") == [
            "dangling-reference/shop/orders.yaml:9:16: queue `orders.billing-events` consumes `billing.PaymentTakn`, which no context declares; did you mean `billing.PaymentTaken`?",
        ])
    }

    @Test func aQueueNamedLikeADerivedOneClashes() throws {
        let problems = try Fixtures.problems(in: "duplicate-queue")
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("duplicate-queue/shop/billing.yaml:9:3: queue `billing.dead` is declared twice (also derived at ") == true)
        #expect(problems.first?.hasSuffix("/shop/billing.yaml:1:1); rename this queue: `billing.dead` is created by convention") == true)
    }

    @Test func aWrongTypeNamesTheKeyTheExpectedTypeAndTheValue() throws {
        #expect(try Fixtures.problems(in: "wrong-type") == [
            "wrong-type/shop/billing.yaml:9:15: `prefetch` must be an integer, got `ten`",
        ])
    }

    @Test func aQueueWithoutDeadLetterPathIsRefused() throws {
        #expect(try Fixtures.problems(in: "missing-dead-letter") == [
            "missing-dead-letter/shop/billing.yaml:7:3: queue `billing.order-events` has no dead-letter path: rejected and over-limit messages would be lost; remove `dead_letter: none` (the default sends them to `billing.dead`)",
        ])
    }

    @Test func aYAMLSyntaxErrorIsReportedAtItsPositionAndNotCascaded() throws {
        #expect(try Fixtures.problems(in: "yaml-syntax") == [
            "yaml-syntax/shop/billing.yaml:9:1: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at line 8, column 15)",
        ])
    }

    @Test func anRPCWithTwoServersIsRefused() throws {
        let problems = try Fixtures.problems(in: "rpc-two-servers")
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("rpc-two-servers/shop/orders.yaml:11:3: rpc `TakePayment` has two servers: billing (") == true)
        #expect(problems.first?.hasSuffix("billing.yaml:10:3) and orders; every RPC has exactly one server; remove one of them, or rename one if they are different operations") == true)
    }

    @Test func aBindingThatCanNeverMatchListsWhatIsPublished() throws {
        #expect(try Fixtures.problems(in: "binding-never-matches") == [
            "binding-never-matches/shop/billing.yaml:11:9: the binding of `billing.order-events` to `orders.events` with routing key `orders.*.shipped` can never match: nothing published there matches it; published there: `orders.OrderPlaced`",
        ])
    }

    @Test func publishingOnAnotherContextsExchangeIsRefused() throws {
        #expect(try Fixtures.problems(in: "foreign-exchange") == [
            "foreign-exchange/shop/billing.yaml:3:3: event `billing.PaymentTaken` is published on `orders.events`, an exchange of orders; a context publishes only on its own exchanges; drop `exchange:` to publish on `billing.events`, and let orders consume it from there",
        ])
    }

    @Test func gatewayRoutesMustReachExistingCommandsViewsAndFields() throws {
        #expect(try Fixtures.problems(in: "gateway-bad-route") == [
            "gateway-bad-route/shop/gateway.yaml:3:29: path parameter `{id}` of `DELETE /orders/{id}` is not a field of `orders.CancelOrder`; add the field `id` or rename the parameter",
            "gateway-bad-route/shop/gateway.yaml:4:46: route `POST /refunds` targets `orders.RefundOrder`, not a declared command; declare it under `commands:` of its context",
            "gateway-bad-route/shop/gateway.yaml:5:41: route `GET /orders` reads view `orders.order`, which no context declares; did you mean `orders.orders`?",
        ])
    }

    @Test func theValidFixturePasses() throws {
        let (_, diagnostics) = try Fixtures.fleet("\(Fixtures.directory)/valid")
        #expect(diagnostics.map(\.description) == [])
    }
}
