import Foundation
import Testing
@testable import RabbitMQ

/// A cluster is a comma-separated list of URLs: every client of the fleet takes it as its
/// AMQP_URL and connects to whichever node answers.
@Suite struct ClusterConfigurationTests {
    @Test func aListOfURLsNamesEveryNode() throws {
        let cluster = try Configuration(url: "amqp://u:p@127.0.0.1:5701/hotel,amqp://u:p@127.0.0.1:5702/hotel, amqp://u:p@127.0.0.1:5703/hotel")
        #expect(cluster.endpoints.map(\.description) == ["127.0.0.1:5701", "127.0.0.1:5702", "127.0.0.1:5703"])
        #expect(cluster.virtualHost == "hotel")
        #expect(cluster.description == "amqp://u@127.0.0.1:5701/hotel,127.0.0.1:5702,127.0.0.1:5703")
    }

    @Test func theOtherNodesMayBeJustHostAndPort() throws {
        let cluster = try Configuration(url: "amqp://u:p@node1:5672/%2f,node2:5673,node3")
        #expect(cluster.endpoints.map(\.description) == ["node1:5672", "node2:5673", "node3:5672"])
        #expect(cluster.virtualHost == "/")
    }

    @Test func nodesWithOtherCredentialsOrVhostAreRefused() {
        #expect(throws: RabbitMQError.self) { try Configuration(url: "amqp://u:p@a:5672/x,amqp://v:p@b:5672/x") }
        #expect(throws: RabbitMQError.self) { try Configuration(url: "amqp://u:p@a:5672/x,amqp://u:p@b:5672/y") }
        #expect(throws: RabbitMQError.self) { try Configuration(url: "amqp://u:p@a:5672/x,b:99999") }
    }

    @Test func aSingleURLHasNoAlternates() throws {
        #expect(try Configuration(url: "amqp://u:p@a:5672/x").alternates.isEmpty)
    }

    /// A node that does not answer (a closed port) is passed over for the next one, and the
    /// next connection starts from the node that worked.
    @Test func connectMovesOnToANodeThatAnswers() async throws {
        let live = try Configuration(url: Broker.url)
        let closedPort = try Self.closedPort()
        var cluster = live
        cluster.host = "127.0.0.1"
        cluster.port = closedPort
        cluster.alternates = [Configuration.Endpoint(host: live.host, port: live.port)]
        let first = try await Connection.connect(cluster)
        #expect(first.configuration.port == live.port, "connected to the node that answers")
        #expect(ClusterEndpoints.tryOrder(cluster.endpoints).first?.port == live.port, "and that node is tried first next time")
        try await first.close()

        cluster.alternates = [Configuration.Endpoint(host: "127.0.0.1", port: try Self.closedPort())]
        await #expect(throws: RabbitMQError.self) { try await Connection.connect(cluster) }
    }

    /// A port nothing listens on: bound, then closed.
    static func closedPort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
