import Testing
import Topology

/// An event nobody consumes would be published mandatory, returned unroutable and retried for
/// ever by its outbox: `check` refuses it, naming the event and the fix.
@Suite struct UnconsumedEventTests {
    @Test func anEventNoQueueConsumesIsAProblem() {
        let files = [
            SourceFile(path: "t/shop/orders.yaml", text: """
                context: orders
                events:
                  OrderPlaced:
                    fields:
                      orderId: int
                  OrderShipped:
                    fields:
                      orderId: int
                """),
            SourceFile(path: "t/shop/billing.yaml", text: """
                context: billing
                queues:
                  billing.order-events:
                    consumes: [orders.OrderPlaced]
                """),
        ]
        let (fleet, loadProblems) = FleetLoader.load(files)
        #expect(loadProblems.isEmpty, "\(loadProblems)")
        let problems = Validator.validate(fleet)
        #expect(problems.count == 1, "\(problems)")
        #expect(problems.first?.location.line == 6, "\(problems.map(\.description))")
        #expect(problems.first?.problem.hasPrefix("event `orders.OrderShipped` is consumed by no queue") == true,
                "\(problems)")
        #expect(problems.first?.fix?.contains("`consumes:`") == true)
    }
}
