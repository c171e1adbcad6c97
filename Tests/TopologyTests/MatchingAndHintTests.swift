import Testing
@testable import Topology

@Suite struct TopicPatternTests {
    @Test(arguments: [
        ("payment.PayConfirmed", "payment.PayConfirmed", true),
        ("payment.*", "payment.PayConfirmed", true),
        ("payment.*", "payment.PayConfirmed.v2", false),
        ("*.PayConfirmed", "payment.PayConfirmed", true),
        ("payment.#", "payment", true),
        ("payment.#", "payment.a.b.c", true),
        ("#", "anything.at.all", true),
        ("#", "", true),
        ("#.confirmed", "pay.confirmed", true),
        ("#.confirmed", "confirmed", true),
        ("a.#.z", "a.z", true),
        ("a.#.z", "a.b.c.z", true),
        ("a.#.z", "a.b.c", false),
        ("a.*.#", "a", false),
        ("a.*.#", "a.b", true),
        ("*", "", true),
        ("*", "a.b", false),
        ("orders.*.shipped", "orders.OrderPlaced", false),
    ])
    func topicMatching(pattern: String, key: String, matches: Bool) {
        #expect(TopicPattern(pattern).matches(key) == matches, "`\(pattern)` vs `\(key)`")
    }

    @Test func exchangeKindsRouteAsTheBrokerDoes() {
        #expect(Exchange.Kind.direct.routes("a.b", to: "a.b"))
        #expect(!Exchange.Kind.direct.routes("a.b", to: "a.*"))
        #expect(Exchange.Kind.fanout.routes("a.b", to: "whatever"))
    }
}

@Suite struct SuggestionTests {
    @Test func editDistance() {
        #expect(Suggestion.distance("routing_kye", "routing_key") == 1)  // adjacent swap
        #expect(Suggestion.distance("kitten", "sitting") == 3)
        #expect(Suggestion.distance("", "abc") == 3)
    }

    @Test func closestCandidateWithinReach() {
        #expect(Suggestion.closest(to: "routing_kye", in: ["exchange", "routing_key"]) == "routing_key")
        #expect(Suggestion.closest(to: "prefech", in: ContextFile.queueKeys) == "prefetch")
        #expect(Suggestion.closest(to: "colour", in: ContextFile.queueKeys) == nil)
    }

    @Test func unknownKeysGetAHint() {
        let (_, problems) = FleetLoader.load([SourceFile(path: "t/s/orders.yaml", text: "context: orders\nqueus: {}\n")])
        #expect(problems.map(\.description) == ["t/s/orders.yaml:2:1: unknown key `queus` in a context file; did you mean `queues`?"])
    }

    @Test func unknownFieldTypesGetTheCanonicalSpelling() {
        let text = """
        context: orders
        events:
          Placed:
            fields:
              note: string?
              total: number
              tags: "[string]"
        """
        let (_, problems) = FleetLoader.load([SourceFile(path: "t/s/orders.yaml", text: text)])
        #expect(problems.map(\.description) == [
            "t/s/orders.yaml:5:13: unknown type `string?` for field `note`; write `optional(string)`",
            "t/s/orders.yaml:6:14: unknown type `number` for field `total`; did you mean `decimal`?",
            "t/s/orders.yaml:7:13: unknown type `[string]` for field `tags`; write `list(string)`",
        ])
    }
}

@Suite struct FieldTypeTests {
    @Test(arguments: ["string", "int", "decimal", "bool", "date-time", "uuid", "enum(A, B)", "optional(list(uuid))", "list(enum(X))"])
    func canonicalSpellingsRoundTrip(text: String) {
        #expect(FieldType(parsing: text)?.description == text)
    }

    @Test func malformedTypesAreRejected() {
        for text in ["optional(optional(int))", "enum()", "enum(A, A)", "list()", "map(string)", "String"] {
            #expect(FieldType(parsing: text) == nil, "`\(text)` should not parse")
        }
    }

    @Test func intervalsParseAndPrintExactly() {
        #expect(Interval(parsing: "1500ms")?.milliseconds == 1500)
        #expect(Interval(parsing: "2m")?.description == "2m")
        #expect(Interval(milliseconds: 90_000).description == "90s")
        #expect(Interval(parsing: "soon") == nil)
        #expect(RetryPolicy(attempts: 4, first: .seconds(1), multiplier: 5, maximum: .seconds(10)).delays.map(\.description) == ["1s", "5s", "10s"])
    }
}
