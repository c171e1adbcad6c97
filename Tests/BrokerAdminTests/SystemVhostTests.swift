import BrokerAdmin
import Foundation
import RabbitMQ
import Testing
import Topology

/// Each system lives in a vhost of its own: the first `warren topology apply` of a system makes
/// that vhost, so `docker compose --profile hotel up` needs nobody to create it by hand.
@Suite struct SystemVhostTests {
    @Test func applyMakesTheSystemsVhostWhenItDoesNotExist() async throws {
        let name = "warren-system-test-\(UUID().uuidString.prefix(8).lowercased())"
        let api = try ManagementAPI(url: Servers.managementURL)
        let url = TemporaryVirtualHost(name: name, api: api).amqpURL()
        let objects = BrokerObjects(fleet: try Servers.fleet())
        do {
            let dryRun = try? await TopologyApply.run(objects, options: .init(amqpURL: url, managementURL: Servers.managementURL, dryRun: true))
            #expect(dryRun == nil, "a dry run changes nothing, so it cannot reach a vhost that is not there")

            let report = try await TopologyApply.run(objects, options: .init(amqpURL: url, managementURL: Servers.managementURL))
            #expect(report.lines.first == "+ vhost \(name) (through the management API at \(api.displayURL)), \(Servers.admin.user) allowed everything on it",
                    "\(report.lines.prefix(2))")
            #expect(report.succeeded)
            let queues = try await api.queues(vhost: name).map(\.name)
            #expect(queues.contains("payment.rpc"), "the topology is declared in the new vhost")
        } catch {
            try? await api.deleteVirtualHost(name)
            throw error
        }
        try await api.deleteVirtualHost(name)
    }
}
