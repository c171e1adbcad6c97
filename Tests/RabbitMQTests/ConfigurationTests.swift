import Testing
@testable import RabbitMQ

@Suite struct ConfigurationTests {
    @Test func parsesEveryPartOfAnAMQPURL() throws {
        let configuration = try Configuration(url: "amqp://alice:s%40cret@broker.local:5673/orders%2Fprod?heartbeat=5&connection_name=payment")
        #expect(configuration.user == "alice")
        #expect(configuration.password == "s@cret")
        #expect(configuration.host == "broker.local")
        #expect(configuration.port == 5673)
        #expect(configuration.virtualHost == "orders/prod")
        #expect(configuration.options.heartbeat == 5)
        #expect(configuration.options.connectionName == "payment")
        #expect(configuration.options.tls == nil)
    }

    @Test func defaultsFollowRabbitMQsURISpec() throws {
        let plain = try Configuration(url: "amqp://localhost")
        #expect(plain.port == 5672)
        #expect(plain.virtualHost == "/")
        #expect(plain.user == "guest")
        let tls = try Configuration(url: "amqps://u:p@h/?cacertfile=/etc/ca.pem&verify=verify_none")
        #expect(tls.port == 5671)
        #expect(tls.options.tls?.caCertificateFile == "/etc/ca.pem")
        #expect(tls.options.tls?.verifyPeer == false)
    }

    @Test func descriptionHidesThePassword() throws {
        let configuration = try Configuration(url: "amqp://alice:topsecret@h:5672/")
        #expect(!configuration.description.contains("topsecret"))
        #expect(configuration.description == "amqp://alice@h:5672/")
    }

    @Test(arguments: [
        ("http://h/", "unknown scheme `http`"),
        ("amqp://h/?heartbeat=often", "query parameter `heartbeat` must be an integer"),
        ("amqp://h/?hartbeat=5", "unknown query parameter `hartbeat`"),
        ("amqp://h/a/b", "contains `/`"),
        ("amqp://h:70000/", "out of range"),
    ])
    func malformedURLsNameWhatIsWrong(url: String, expected: String) {
        #expect {
            try Configuration(url: url)
        } throws: { error in
            guard let error = error as? RabbitMQError else { return false }
            return error.code == .invalidURL && error.message.contains(expected)
        }
    }
}
