import BrokerAdmin
import Foundation
import RabbitMQ
import Testing
import Topology

/// Two systems on one broker, as `warren up all` runs them: each in its own vhost, its users
/// granted there only, so a worker of one system cannot reach the other's exchanges, even
/// where both have a context of the same name.
@Suite struct SystemIsolationTests {
    @Test("a worker of one system is refused on another system's vhost and exchanges")
    func workersStayInTheirSystem() async throws {
        let (everything, problems) = try TopologyDirectory(Servers.topologyDirectory).check()
        #expect(problems.isEmpty, "\(problems)")
        let others = everything.systems.filter { $0.name != "cleaning" && !$0.contexts.isEmpty }
        let other = try #require(others.first, "a second system in topology/ (coffee, hotel, library)")
        let cleaning = try #require(everything.system(named: "cleaning"))
        let prefix = "iso-\(UUID().uuidString.prefix(6).lowercased())."
        let api = try ManagementAPI(url: Servers.managementURL)
        let run = UUID().uuidString.prefix(6).lowercased()
        let vhosts = (cleaning: TemporaryVirtualHost(name: "warren-iso-cleaning-\(run)", api: api),
                      other: TemporaryVirtualHost(name: "warren-iso-\(other.name)-\(run)", api: api))
        let grants = Permissions.grants(for: other.fleet)
        let worker = try #require(grants.first { $0.context != nil }, "a context's grant in \(other.name)")
        do {
            for (vhost, system) in [(vhosts.cleaning, cleaning), (vhosts.other, other)] {
                let report = try await TopologyApply.run(BrokerObjects(fleet: system.fleet),
                                                         options: .init(amqpURL: vhost.amqpURL(), managementURL: Servers.managementURL))
                #expect(report.succeeded, "\(report.lines)")
            }
            let options = UserProvisioning.Options(managementURL: Servers.managementURL, virtualHost: vhosts.other.name,
                                                   userPrefix: prefix, environment: [:])
            let users = try await UserProvisioning.apply([worker], options: options)
            guard case .generated(let password) = try #require(users.first).password else {
                Issue.record("expected a generated password"); return
            }
            let name = prefix + worker.user

            // In its own system's vhost it publishes on its own exchange.
            let own = try await Connection.connect(url: vhosts.other.amqpURL(user: name, password: password))
            let channel = try await own.openChannel()
            try await channel.enablePublisherConfirms()
            let contextName = try #require(worker.context)
            let ownExchanges = other.fleet.context(named: contextName)?.exchanges ?? []
            let exchange = try #require(ownExchanges.first { $0.role == .events || $0.role == .commands }?.name)
            try await channel.publish(Data("{}".utf8), exchange: exchange, routingKey: "probe", mandatory: false)
            try await own.close()

            // The cleaning system's vhost is closed to it.
            await #expect {
                _ = try await Connection.connect(url: vhosts.cleaning.amqpURL(user: name, password: password))
            } throws: { error in
                let text = "\(error)"
                return text.contains("refused") || text.contains("NOT_ALLOWED") || text.contains("ACCESS_REFUSED")
            }
        } catch {
            try? await api.deleteUser(prefix + worker.user)
            try? await api.deleteVirtualHost(vhosts.cleaning.name)
            try? await api.deleteVirtualHost(vhosts.other.name)
            throw error
        }
        try await api.deleteUser(prefix + worker.user)
        try await api.deleteVirtualHost(vhosts.cleaning.name)
        try await api.deleteVirtualHost(vhosts.other.name)
    }
}
