import BrokerAdmin
import Foundation
import RabbitMQ
import Testing
import Topology

/// `warren topology permissions --apply`: each context's user may publish on its own
/// exchanges and is refused on another context's.
@Suite struct PermissionsApplyTests {
    @Test("a context's user publishes on its own exchange and gets ACCESS_REFUSED on another's")
    func leastPrivilege() async throws {
        let fleet = try Servers.fleet()
        let prefix = "test-\(UUID().uuidString.prefix(6).lowercased())."
        let grants = Permissions.grants(for: fleet).filter { $0.context == "payment" || $0.context == "reservation" }
        try await TemporaryVirtualHost.with { vhost in
            _ = try await TopologyApply.run(BrokerObjects(fleet: fleet), options: .init(amqpURL: vhost.amqpURL(), managementURL: Servers.managementURL))
            let options = UserProvisioning.Options(managementURL: Servers.managementURL, virtualHost: vhost.name, userPrefix: prefix,
                                                   environment: ["WARREN_RESERVATION_PASSWORD": "reservation-secret"])
            do {
                let users = try await UserProvisioning.apply(grants, options: options)
                let payment = try #require(users.first { $0.grant.context == "payment" })
                guard case .generated(let password) = payment.password else {
                    Issue.record("a new user without a password should get a generated one, got \(payment.password)")
                    return
                }
                #expect(users.first { $0.grant.context == "reservation" }?.password == .given("reservation-secret"))
                #expect(payment.variable == "WARREN_PAYMENT_PASSWORD")

                // Idempotent: again, nothing is created and the generated password stays valid.
                let again = try await UserProvisioning.apply(grants, options: options)
                #expect(again.allSatisfy { !$0.created })
                #expect(again.first { $0.grant.context == "payment" }?.password == .unchanged)

                let connection = try await Connection.connect(url: vhost.amqpURL(user: payment.name, password: password))
                let own = try await connection.openChannel()
                try await own.enablePublisherConfirms()
                try await own.publish(Data("{}".utf8), exchange: "payment.events", routingKey: "payment.PayConfirmed", mandatory: false)

                let foreign = try await connection.openChannel()
                try await foreign.enablePublisherConfirms()
                do {
                    try await foreign.publish(Data("{}".utf8), exchange: "reservation.events", routingKey: "reservation.Check", mandatory: false)
                    Issue.record("payment's user published on reservation.events")
                } catch let error as RabbitMQError {
                    #expect(error.replyCode == 403, "\(error)")
                    #expect(error.message.contains("ACCESS_REFUSED"), "\(error)")
                }
                // The refusal closed that channel only: the connection and the own channel go on.
                try await own.publish(Data("{}".utf8), exchange: "payment.events", routingKey: "payment.PayConfirmed", mandatory: false)
                try await connection.close()
            } catch {
                for grant in grants { try? await vhost.api.deleteUser(prefix + grant.user) }
                throw error
            }
            for grant in grants { try await vhost.api.deleteUser(prefix + grant.user) }
        }
    }
}
