import BrokerAdmin
import Foundation
import RabbitMQ
import Testing
import Topology

/// `warren topology apply` against the real broker, each test in a vhost of its own.
@Suite struct ApplyTests {
    let objects: BrokerObjects

    init() throws {
        objects = BrokerObjects(fleet: try Servers.fleet())
    }

    func apply(_ vhost: TemporaryVirtualHost, dryRun: Bool = false, management: Bool = true) async throws -> TopologyApply.Report {
        try await TopologyApply.run(objects, options: .init(
            amqpURL: vhost.amqpURL(), managementURL: Servers.managementURL, dryRun: dryRun, useManagementAPI: management))
    }

    @Test("apply declares everything, and a second apply reports no change", arguments: [true, false])
    func applyTwice(management: Bool) async throws {
        try await TemporaryVirtualHost.with { vhost in
            let first = try await apply(vhost, management: management)
            let total = objects.exchanges.count + objects.queues.count + (management ? objects.bindings.count : 0)
            #expect(first.outcome == .declared(total), "first apply: \(first.lines.joined(separator: "\n"))")
            let second = try await apply(vhost, management: management)
            #expect(second.outcome == .noChange, "second apply: \(second.lines.joined(separator: "\n"))")
            #expect(second.lines.last == "no change")
            #expect(!second.lines.contains { $0.hasPrefix("+") || $0.hasPrefix("!") })
        }
    }

    @Test("a queue declared classic by hand is reported with both sides and nothing is declared", arguments: [true, false])
    func classicQueueByHand(management: Bool) async throws {
        try await TemporaryVirtualHost.with { vhost in
            let connection = try await Connection.connect(url: vhost.amqpURL())
            try await connection.withChannel { channel in
                _ = try await channel.declareQueue("payment.commands", durable: true)
            }
            try await connection.close()
            let before = try await vhost.objects()

            let report = try await apply(vhost, management: management)

            #expect(report.outcome == .refused)
            #expect(!report.succeeded)
            let text = report.lines.joined(separator: "\n")
            #expect(text.contains("! queue payment.commands: x-queue-type is classic on the broker, quorum in \(Servers.topologyDirectory)/cleaning/payment.yaml"), "\(text)")
            #expect(text.contains("way out: drain queue payment.commands"), "\(text)")
            #expect(report.lines.last == "1 object inequivalent on the broker: nothing declared.")
            let after = try await vhost.objects()
            #expect(after == before, "apply declared something: \(after.subtracting(before).sorted().prefix(5))")
            #expect(after.count == 1 && after.first!.hasPrefix("queue payment.commands "), "\(after)")
        }
    }

    @Test("quorum queues are created with three replicas; one created before that setting is equivalent", arguments: [true, false])
    func initialGroupSizeIsCreationOnly(management: Bool) async throws {
        try await TemporaryVirtualHost.with { vhost in
            // As an earlier topology declared it: quorum, dead-lettered, but no initial group size.
            let payment = try #require(objects.queues.first { $0.name == "payment.commands" })
            #expect(payment.arguments[Topology.Queue.initialGroupSizeArgument] == .int(3))
            var older = payment.arguments
            older[Topology.Queue.initialGroupSizeArgument] = nil
            let connection = try await Connection.connect(url: vhost.amqpURL())
            try await connection.withChannel { channel in
                _ = try await channel.declareQueue("payment.commands", durable: true, arguments: older.mapValues { value -> FieldValue in
                    switch value {
                    case .string(let text): .string(text)
                    case .int(let number): .int64(Int64(number))
                    case .bool(let flag): .bool(flag)
                    }
                })
            }
            try await connection.close()

            let report = try await apply(vhost, management: management)
            let text = report.lines.joined(separator: "\n")
            #expect(report.succeeded, "\(text)")
            #expect(!text.contains("! queue payment.commands"), "\(text)")
            let total = objects.exchanges.count + objects.queues.count - 1 + (management ? objects.bindings.count : 0)
            #expect(report.outcome == .declared(total), "\(text)")
        }
    }

    @Test("--dry-run prints the plan and declares nothing")
    func dryRun() async throws {
        try await TemporaryVirtualHost.with { vhost in
            let report = try await apply(vhost, dryRun: true)
            #expect(report.outcome == .dryRun)
            #expect(report.lines.contains("+ exchange payment.commands (topic)"))
            #expect(report.lines.contains { $0.hasPrefix("+ queue payment.commands (quorum, x-dead-letter-exchange: payment.dead") })
            let objects = try await vhost.objects()
            #expect(objects.isEmpty, "dry run declared \(objects.sorted().prefix(5))")
        }
    }

    @Test("the exported definitions and apply give the broker the same objects")
    func definitionsAndApplyAgree() async throws {
        try await TemporaryVirtualHost.with { applied in
            try await TemporaryVirtualHost.with { imported in
                _ = try await apply(applied)
                var definitions = RabbitMQDefinitions.json(for: try Servers.fleet())
                definitions = definitions.replacingOccurrences(of: "\"vhost\": \"/\"", with: "\"vhost\": \"\(imported.name)\"")
                try await imported.api.importDefinitions(Data(definitions.utf8), vhost: imported.name)

                let fromApply = try await applied.objects(), fromImport = try await imported.objects()
                #expect(fromApply.count == objects.exchanges.count + objects.queues.count + objects.bindings.count)
                #expect(fromApply == fromImport, """
                    only after apply: \(fromApply.subtracting(fromImport).sorted().prefix(3))
                    only after import: \(fromImport.subtracting(fromApply).sorted().prefix(3))
                    """)
            }
        }
    }

    @Test("a broker that is down: the error names the URL without the password")
    func brokerDown() async throws {
        let options = TopologyApply.Options(amqpURL: "amqp://guest:s3cret@127.0.0.1:1/%2f", managementURL: Servers.managementURL)
        do {
            _ = try await TopologyApply.run(objects, options: options)
            Issue.record("apply succeeded against nothing")
        } catch {
            #expect(error.code == .brokerUnreachable)
            #expect(error.description.hasPrefix("cannot reach the broker at amqp://guest@127.0.0.1:1/"), "\(error)")
            #expect(!error.description.contains("s3cret"))
        }
    }
}
