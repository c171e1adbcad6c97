import Foundation
import Testing
import Topology

/// Each system is a namespace of its own (its own vhost and database): two systems may both
/// have a `billing` context, names resolve within their system, and tools that touch a broker
/// are told which system to take.
@Suite struct NamespaceTests {
    /// Two systems, `shop` and `clinic`, each with an `orders` and a `billing` context whose
    /// messages differ (clinic's `OrderPlaced` even goes to another exchange), so a lookup that
    /// crossed systems would be seen.
    static func twoSystems() -> [SourceFile] {
        func files(_ system: String, field: String, exchange: String) -> [SourceFile] {
            [
                SourceFile(path: "t/\(system)/orders.yaml", text: """
                    context: orders
                    exchanges:
                      orders.audit: { type: topic }
                    events:
                      OrderPlaced:
                        exchange: \(exchange)
                        fields:
                          \(field): int
                    queues:
                      orders.billing-events:
                        consumes: [billing.PaymentTaken]
                    """),
                SourceFile(path: "t/\(system)/billing.yaml", text: """
                    context: billing
                    events:
                      PaymentTaken:
                        fields:
                          \(field): int
                    queues:
                      billing.order-events:
                        consumes: [orders.OrderPlaced]
                    """),
            ]
        }
        return files("shop", field: "orderId", exchange: "orders.events") + files("clinic", field: "visitId", exchange: "orders.audit")
    }

    @Test func twoSystemsMayNameTheirContextsAlike() {
        let (fleet, loadProblems) = FleetLoader.load(Self.twoSystems())
        #expect(loadProblems.map(\.description) == [])
        #expect(Validator.validate(fleet).map(\.description) == [], "same names in two systems are no clash")
        #expect(fleet.systems.map(\.name) == ["clinic", "shop"])
    }

    @Test func namesResolveWithinTheirSystem() throws {
        let (fleet, _) = FleetLoader.load(Self.twoSystems())
        let clinic = try #require(fleet.system(named: "clinic")).fleet
        let shop = try #require(fleet.system(named: "shop")).fleet
        #expect(clinic.message("orders.OrderPlaced")?.fields.map(\.name) == ["visitId"])
        #expect(shop.message("orders.OrderPlaced")?.fields.map(\.name) == ["orderId"])
        // The implied binding of each system's queue comes from its own system's declaration.
        #expect(shop.queue("billing.order-events")?.bindings.first?.exchange == "orders.events")
        #expect(clinic.queue("billing.order-events")?.bindings.first?.exchange == "orders.audit")
    }

    @Test func aDuplicateWithinOneSystemIsStillAProblem() {
        var files = Self.twoSystems()
        files.append(SourceFile(path: "t/shop/extra.yaml", text: """
            context: extra
            queues:
              orders.billing-events:
                consumes: [billing.PaymentTaken]
            """))
        let (fleet, _) = FleetLoader.load(files)
        let problems = Validator.validate(fleet).map(\.problem)
        #expect(problems.contains { $0.contains("queue `orders.billing-events` is declared twice") }, "\(problems)")
    }

    @Test func aBrokerFacingToolMustBeToldWhichSystem() throws {
        let (fleet, _) = FleetLoader.load(Self.twoSystems())
        #expect(throws: NamespaceProblem.self) { try fleet.namespace(nil) }
        do {
            _ = try fleet.namespace(nil)
        } catch {
            #expect(error.description.contains("clinic, shop"), "names the systems: \(error.description)")
        }
        #expect(try fleet.namespace("shop").name == "shop")
        #expect(throws: NamespaceProblem.self) { try fleet.namespace("garage") }
        #expect(fleet.systems(declaring: "orders.OrderPlaced").map(\.name) == ["clinic", "shop"])
    }

    @Test func theFleetsDefinitionsPutEachSystemInAVhostOfItsOwn() throws {
        let (fleet, _) = FleetLoader.load(Self.twoSystems())
        let object = try #require(try JSONSerialization.jsonObject(with: Data(RabbitMQDefinitions.json(for: fleet).utf8)) as? [String: Any])
        let vhosts = try #require(object["vhosts"] as? [[String: Any]]).compactMap { $0["name"] as? String }
        #expect(vhosts == ["clinic", "shop"])
        let queues = try #require(object["queues"] as? [[String: Any]])
        let placed = queues.filter { $0["name"] as? String == "orders.billing-events" }.compactMap { $0["vhost"] as? String }
        #expect(placed.sorted() == ["clinic", "shop"], "the same queue name once in each system's vhost")

        let one = try #require(fleet.system(named: "shop")).fleet
        let single = try #require(try JSONSerialization.jsonObject(with: Data(RabbitMQDefinitions.json(for: one).utf8)) as? [String: Any])
        #expect(single["vhosts"] == nil)
        #expect((single["queues"] as? [[String: Any]])?.allSatisfy { $0["vhost"] as? String == "/" } == true)
    }

    @Test func permissionsAreGrantedPerSystem() {
        let (fleet, _) = FleetLoader.load(Self.twoSystems())
        let users = Permissions.grants(for: fleet).map(\.user)
        #expect(users == ["clinic.billing", "clinic.orders", "shop.billing", "shop.orders"])
    }
}
