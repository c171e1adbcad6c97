import Foundation
import Testing
import Topology
@testable import CoffeeSystem
@testable import Warren

/// The Swift messages, views and handlers say exactly what topology/coffee declares.
@Suite struct TopologyConformanceTests {
    static let topology = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("topology").path
    let fleet: Fleet

    init() throws {
        let (fleet, problems) = try TopologyDirectory(Self.topology).check(system: CoffeeSystem.name)
        #expect(problems.map(\.description) == [], "warren topology check must pass")
        self.fleet = fleet
    }

    /// One of every message, every optional field set in one sample of its type.
    static let samples: [any Warren.Message] = [
        Product.RegisterProduct(price: 3500, status: .available),
        Product.ChangeProduct(id: 1, price: 4000, status: .soldOut),
        Product.ProductRegistered(id: 1, price: 3500, status: .available),
        Product.UpdatedProductStatus(id: 1, price: 3500, status: .soldOut, previousStatus: .available, version: 1),
        Product.CheckProduct(productId: 1),
        Product.CheckProductReply.found(Product.ProductRecord(id: 1, price: 3500, status: .available)),
        Product.CheckProductReply.unknown,
        Order.PlaceOrder(productId: 1),
        Order.OrderPlaced(id: 1, productId: 1, price: 3500),
    ]

    @Test func everyMessageHasExactlyTheDeclaredFields() throws {
        var keys: [String: Set<String>] = [:]
        for sample in Self.samples {
            let type = Swift.type(of: sample).type
            let declared = try #require(fleet.message(type), "\(type) is not declared in topology/coffee")
            let body = try JSONEncoder().encode(sample)
            let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
            keys[type, default: []].formUnion(object.keys)
            #expect(PayloadValidator.validate(body, against: declared.fields) == [], "\(type) breaks its declaration")
        }
        for (type, keys) in keys {
            #expect(keys == Set(fleet.message(type)?.fields.map(\.name) ?? []), "\(type): the struct's fields differ from the topology's")
        }
        let declared = Set(fleet.contexts.flatMap(\.messages).map(\.type))
        #expect(Set(keys.keys) == declared, "messages without a Swift struct: \(declared.subtracting(keys.keys).sorted())")
    }

    @Test func viewRowsUseTheViewsJSONNames() throws {
        let rows: [(String, any Encodable)] = [
            ("product.products", Product.ProductRecord(id: 1, price: 3500, status: .available)),
            ("order.orders", Order.OrderRecord(id: 1, productId: 1, price: 3500, status: Order.Status.placed)),
            ("order.orderProducts", Order.OrderProduct(id: 1, price: 3500, status: "Available")),
            ("report.reports", Report.ProductReport(productId: 1, price: 3500, status: "Available")),
            ("report.sales", Report.Sales(productId: 1, orders: 2, amount: 7000)),
            ("report.notifications", ReportNotificationRow(id: 1, notification: Report.Notification(
                productId: 1, version: 1, previousStatus: "Available", status: "SoldOut", text: "Product 1 is sold out."))),
        ]
        for (name, row) in rows {
            let view = try #require(fleet.contexts.flatMap(\.views).first { $0.qualifiedName == name }, "no view \(name)")
            let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(row)) as? [String: Any])
            #expect(Set(object.keys) == Set(view.fields.map(\.name)), "\(name)")
        }
    }

    /// The contract: a view is a table named snake_case in the context's schema, a column per field.
    @Test func migrationsCreateEveryViewTableWithItsColumns() throws {
        for context in fleet.contexts {
            let swift = try #require(CoffeeSystem.context(named: context.name, settings: Settings()))
            let sql = swift.migrations.map(\.sql).joined(separator: "\n")
            for view in context.views {
                let table = snakeCase(view.name)
                let create = try #require(sql.range(of: "CREATE TABLE \(table) ("), "\(context.name) creates no table \(table)")
                let body = sql[create.upperBound...].prefix { $0 != ";" }
                for field in view.fields {
                    #expect(body.contains("\n    \(snakeCase(field.name)) "), "\(table) has no column \(snakeCase(field.name))")
                }
            }
        }
    }

    @Test func everyContextHandlesWhatItsQueuesConsume() throws {
        #expect(Set(CoffeeSystem.contextNames) == Set(fleet.system(named: "coffee")?.contexts.map(\.name) ?? []))
        for context in fleet.contexts {
            let swift = try #require(CoffeeSystem.context(named: context.name, settings: Settings()))
            #expect(HandlerCheck.mismatches(swift, context) == [], "\(context.name)")
        }
    }

    private func snakeCase(_ name: String) -> String {
        name.reduce(into: "") { result, character in
            if character.isUppercase { result += "_" + character.lowercased() } else { result.append(character) }
        }
    }
}

/// A notification as the view shows it: the database's number beside the entry.
private struct ReportNotificationRow: Encodable {
    var id: Int
    var notification: Report.Notification

    func encode(to encoder: any Encoder) throws {
        try notification.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(id, forKey: .id)
    }

    enum Key: CodingKey { case id }
}
