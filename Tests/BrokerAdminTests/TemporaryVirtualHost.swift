import BrokerAdmin
import Foundation
import RabbitMQ
import Topology

/// The servers `scripts/test` started (it exports their URLs), and the repository's topology.
enum Servers {
    static let environment = ProcessInfo.processInfo.environment
    static let amqpURL = environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/%2f"
    static let managementURL = environment["RABBITMQ_MANAGEMENT_URL"] ?? "http://guest:guest@127.0.0.1:15672"
    static let admin = try! Configuration(url: amqpURL)

    static let topologyDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("topology").path

    /// The cleaning system's namespace (each system has a vhost of its own).
    static func fleet() throws -> Fleet {
        let (fleet, diagnostics) = try TopologyDirectory(topologyDirectory).check(system: "cleaning")
        guard diagnostics.isEmpty else { throw TestFailure("the repository's topology has problems: \(diagnostics)") }
        return fleet
    }
}

/// A vhost of its own for one test, so tests running beside others see only their objects.
/// Created through the management API with the admin user's full permissions; deleted after.
struct TemporaryVirtualHost {
    let name: String
    let api: ManagementAPI

    /// The AMQP URL of this vhost with the admin's credentials, or another user's.
    func amqpURL(user: String? = nil, password: String? = nil) -> String {
        let encode = { (text: String) in text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text }
        return "amqp://\(encode(user ?? Servers.admin.user)):\(encode(password ?? Servers.admin.password))@\(Servers.admin.host):\(Servers.admin.port)/\(encode(name))"
    }

    static func with<T>(_ body: (TemporaryVirtualHost) async throws -> T) async throws -> T {
        let api = try ManagementAPI(url: Servers.managementURL)
        let vhost = TemporaryVirtualHost(name: "warren-apply-test-\(UUID().uuidString.prefix(8).lowercased())", api: api)
        try await api.putVirtualHost(vhost.name)
        do {
            try await api.putPermissions(vhost: vhost.name, user: Servers.admin.user, configure: ".*", write: ".*", read: ".*")
            let result = try await body(vhost)
            try await api.deleteVirtualHost(vhost.name)
            return result
        } catch {
            try? await api.deleteVirtualHost(vhost.name)
            throw error
        }
    }

    /// Every queue, exchange (the broker's own `amq.*` and default left out) and binding
    /// (default-exchange ones left out) the broker lists in this vhost, as comparable strings.
    func objects() async throws -> Set<String> {
        var objects = Set<String>()
        for queue in try await api.queues(vhost: name) {
            objects.insert("queue \(queue.name) durable=\(queue.durable) auto_delete=\(queue.autoDelete) \(queue.arguments.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })")
        }
        for exchange in try await api.exchanges(vhost: name) where !exchange.name.isEmpty && !exchange.name.hasPrefix("amq.") {
            objects.insert("exchange \(exchange.name) \(exchange.type) durable=\(exchange.durable) auto_delete=\(exchange.autoDelete) \(exchange.arguments.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })")
        }
        for binding in try await api.bindings(vhost: name) where !binding.source.isEmpty {
            objects.insert("binding \(binding.source) -> \(binding.destination) [\(binding.routingKey)] \(binding.arguments.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })")
        }
        return objects
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
