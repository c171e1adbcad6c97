import Foundation
import Testing
import Topology

/// The repository's real cleaning topology (topology/cleaning) validates, and every export of it is
/// well-formed with the expected objects.
@Suite struct CleaningTopologyTests {
    let fleet: Fleet

    init() throws {
        let (fleet, diagnostics) = try TopologyDirectory(Fixtures.repositoryTopology).check(system: "cleaning")
        #expect(diagnostics.map(\.description) == [])
        self.fleet = fleet
    }

    @Test func itHasTheSixContextsOfTheCleaningService() {
        #expect(fleet.systems.map(\.name) == ["cleaning"])
        #expect(Set(fleet.contexts.map(\.name)) == ["reservation", "payment", "paymethod", "cleaning", "message", "dashboard"])
        let approve = fleet.rpc("payment.ApprovePayment")
        #expect(approve?.compensation == "payment.VoidPayment")
        #expect(approve?.reply.type == "payment.ApprovePaymentReply")
        #expect(fleet.rpc("payment.RegisterPayKind") != nil)
        #expect(fleet.system(named: "cleaning")?.gateway?.routes.count == 18)
    }

    @Test func everyConsumerQueueIsQuorumWithADeadLetterPath() throws {
        for queue in fleet.queues where queue.role != .deadLetter {
            #expect(queue.arguments["x-queue-type"] == .string("quorum"), "\(queue.name)")
            #expect(queue.arguments["x-dead-letter-exchange"] != nil, "\(queue.name) has no dead-letter exchange")
        }
        let delay = try #require(fleet.queue("payment.retry.5s"))
        #expect(delay.arguments["x-message-ttl"] == .int(5000))
        #expect(delay.arguments["x-dead-letter-exchange"] == .string("payment.requeue"))
    }

    @Test func rabbitMQDefinitionsHoldEveryObjectOnce() throws {
        let data = Data(RabbitMQDefinitions.json(for: fleet).utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let exchanges = try #require(object["exchanges"] as? [[String: Any]])
        let queues = try #require(object["queues"] as? [[String: Any]])
        let bindings = try #require(object["bindings"] as? [[String: Any]])
        #expect(exchanges.count == fleet.exchanges.count)
        #expect(queues.count == fleet.queues.count)
        #expect(bindings.count == fleet.queues.reduce(0) { $0 + $1.bindings.count })
        // 6 dead-letter + 6 x 3 delay + 10 consumer + 1 RPC queue.
        #expect(queues.count == 35)
        #expect(Set(queues.compactMap { $0["name"] as? String }).count == queues.count)
        #expect(queues.allSatisfy { $0["durable"] as? Bool == true && $0["vhost"] as? String == "/" })
        let names = Set(exchanges.compactMap { $0["name"] as? String })
        #expect(names.isSuperset(of: ["payment.events", "payment.commands", "payment.dead", "payment.retry", "payment.requeue", "reservation.events"]))
        #expect(!names.contains("dashboard.events"), "dashboard publishes nothing")
    }

    @Test func asyncAPIDocumentIsJSONWithEveryMessage() throws {
        let data = Data(AsyncAPIDocument.json(for: fleet).utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["asyncapi"] as? String == "3.0.0")
        let messages = try #require((object["components"] as? [String: Any])?["messages"] as? [String: Any])
        #expect(messages.count == fleet.contexts.reduce(0) { $0 + $1.messages.count })
        let operations = try #require(object["operations"] as? [String: Any])
        let call = try #require(operations["reservation.call.payment.ApprovePayment"] as? [String: Any])
        #expect(call["action"] as? String == "send")
        #expect(call["reply"] != nil)
        // An exchange and a queue may share a name; their channels must not.
        guard case .object(let root) = AsyncAPIDocument.document(for: fleet),
              case .object(let channels)? = root.first(where: { $0.0 == "channels" })?.1 else {
            Issue.record("no channels object")
            return
        }
        #expect(Set(channels.map(\.0)).count == channels.count)
        #expect(channels.contains { $0.0 == "exchange.payment.commands" } && channels.contains { $0.0 == "queue.payment.commands" })
    }

    @Test func mermaidGraphShowsContextsAndRPCEdges() {
        let graph = MermaidGraph.text(for: fleet)
        #expect(graph.hasPrefix("flowchart LR\n"))
        #expect(graph.contains("svc_reservation -. \"rpc ApprovePayment\" .-> svc_payment"))
        #expect(graph.contains("subgraph ctx_dashboard[\"dashboard\"]"))
    }

    @Test func permissionsGiveEachContextOnlyWhatItNeeds() throws {
        let grants = Permissions.grants(for: fleet)
        let reservation = try #require(grants.first { $0.context == "reservation" })
        #expect(reservation.user == "cleaning.reservation")
        let write = try Regex(reservation.write), configure = try Regex(reservation.configure), read = try Regex(reservation.read)
        #expect("reservation.events".wholeMatch(of: write) != nil)
        #expect("payment.commands".wholeMatch(of: write) != nil, "it calls ApprovePayment and may send VoidPayment")
        #expect("payment.events".wholeMatch(of: write) == nil, "never publishes on another context's events")
        #expect("amq.default".wholeMatch(of: write) != nil, "it answers commands' reply_to through the default exchange")
        #expect("payment.commands".wholeMatch(of: configure) == nil)
        #expect("cleaning.events".wholeMatch(of: read) != nil, "binds a queue to it")
        #expect("amq.rabbitmq.reply-to".wholeMatch(of: read) != nil)
        let payment = try #require(grants.first { $0.context == "payment" })
        #expect("amq.default".wholeMatch(of: try Regex(payment.write)) != nil)
        let dashboard = try #require(grants.first { $0.context == "dashboard" })
        #expect("amq.default".wholeMatch(of: try Regex(dashboard.write)) == nil, "takes no command and serves no RPC: never answers")
        let ingress = try #require(grants.first { $0.user == "cleaning.ingress" })
        #expect(ingress.configure == "^$")
        #expect("reservation.commands".wholeMatch(of: try Regex(ingress.write)) != nil)
    }
}
