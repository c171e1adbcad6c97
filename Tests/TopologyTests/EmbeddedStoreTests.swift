import Testing
import Topology

/// `store: sqlite` keeps a context's state in one process's file: each of its queues gets a
/// single active consumer (a second replica stands by), and no gateway route may read its
/// views, which the ingress (a PostgreSQL reader) cannot see.
@Suite struct EmbeddedStoreTests {
    static func files(store: String, routeToView: Bool = false) -> [SourceFile] {
        [
            SourceFile(path: "t/shop/stock.yaml", text: """
                context: stock
                store: \(store)
                rpc:
                  Reserve:
                    request:
                      itemId: int
                    reply:
                      ok: bool
                commands:
                  Restock:
                    fields:
                      itemId: int
                queues:
                  stock.commands:
                    consumes: [stock.Restock]
                views:
                  items:
                    key: itemId
                    fields:
                      itemId: int
                """),
            SourceFile(path: "t/shop/gateway.yaml", text: """
                routes:
                  - { method: POST, path: /restocks, command: stock.Restock }
                  - { method: POST, path: /reservations, rpc: stock.Reserve }
                \(routeToView ? "  - { method: GET, path: /items, view: stock.items }" : "")
                """),
        ]
    }

    @Test func everyQueueOfAnSQLiteContextHasOneActiveConsumer() throws {
        let (fleet, problems) = FleetLoader.load(Self.files(store: "sqlite"))
        #expect(problems.isEmpty, "\(problems)")
        #expect(Validator.validate(fleet).isEmpty)
        let context = try #require(fleet.contexts.first { $0.name == "stock" })
        #expect(context.store == .sqlite)
        for name in ["stock.commands", "stock.rpc"] {
            #expect(context.queue(name)?.arguments["x-single-active-consumer"] == .bool(true), "\(name)")
        }
        #expect(context.queue("stock.dead")?.arguments["x-single-active-consumer"] == nil)
    }

    @Test func aPostgresContextKeepsCompetingConsumers() throws {
        let (fleet, problems) = FleetLoader.load(Self.files(store: "postgres"))
        #expect(problems.isEmpty, "\(problems)")
        let context = try #require(fleet.contexts.first { $0.name == "stock" })
        #expect(context.queue("stock.commands")?.arguments["x-single-active-consumer"] == nil)
        #expect(context.queue("stock.rpc")?.arguments["x-single-active-consumer"] == nil)
    }

    @Test func aRouteToAnSQLiteContextsViewIsAProblem() {
        let (fleet, _) = FleetLoader.load(Self.files(store: "sqlite", routeToView: true))
        let problems = Validator.validate(fleet)
        #expect(problems.count == 1, "\(problems)")
        #expect(problems.first?.problem.contains("keeps its state in sqlite, which the ingress cannot read") == true, "\(problems)")
    }

    @Test func aMisspelledStoreIsNamedWithTheClosestOne() {
        let (_, problems) = FleetLoader.load(Self.files(store: "sqlit"))
        #expect(problems.count == 1, "\(problems)")
        #expect(problems.first?.problem == "unknown store `sqlit`")
        #expect(problems.first?.fix?.contains("sqlite") == true)
    }
}
