import Foundation

/// Where and how to connect to a broker, parsed from an `amqp://` or `amqps://` URL.
///
/// The URL form follows RabbitMQ's URI spec: `amqp://user:password@host:port/vhost?heartbeat=30`.
/// The vhost is the percent-decoded path without its leading slash; an empty path means `/`.
///
/// A cluster is a comma-separated list of URLs with the same user and vhost
/// (`amqp://u:p@node1:5672/v,amqp://u:p@node2:5672/v`, or `...node1:5672/v,node2:5672,node3:5672`
/// after the first): `Connection.connect` tries them in turn, starting from the one that last
/// worked, so a client whose node went away comes back on another.
public struct Configuration: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// The cluster's other nodes, tried when `host:port` does not answer.
    public var alternates: [Endpoint] = []
    public var user: String
    public var password: String
    public var virtualHost: String
    public var options: Options

    /// Knobs with defaults that suit a worker fleet; each can be set in the URL's query.
    public struct Options: Sendable, Hashable {
        /// Seconds between heartbeats; 0 disables them. A dead peer is detected after 1.5 intervals of silence.
        public var heartbeat: Int = 30
        /// Seconds to wait for the TCP (and TLS) connection and the AMQP handshake.
        public var connectionTimeout: Int = 10
        /// Largest frame we accept. rabbitmq-c treats 0 as 4096, the minimum, so ask for 128 KiB.
        public var frameMax: Int = 131_072
        /// Highest channel number; 0 lets the broker choose.
        public var channelMax: Int = 0
        /// TLS settings, used when the scheme is `amqps`.
        public var tls: TLS? = nil
        /// Shown in the management UI; helps an operator tell connections apart.
        public var connectionName: String? = nil

        public init() {}
    }

    /// TLS for `amqps://` URLs.
    public struct TLS: Sendable, Hashable {
        public var caCertificateFile: String? = nil
        public var certificateFile: String? = nil
        public var keyFile: String? = nil
        public var verifyPeer: Bool = true
        public var verifyHostname: Bool = true
        public init() {}
    }

    public init(host: String = "127.0.0.1", port: Int? = nil, user: String = "guest", password: String = "guest",
                virtualHost: String = "/", options: Options = Options()) {
        self.host = host
        self.port = port ?? (options.tls == nil ? 5672 : 5671)
        self.user = user
        self.password = password
        self.virtualHost = virtualHost
        self.options = options
    }

    /// One node of a cluster.
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
        public var description: String { "\(host):\(port)" }
    }

    /// Every node to try, this configuration's own first.
    public var endpoints: [Endpoint] { [Endpoint(host: host, port: port)] + alternates }

    /// The same settings aimed at one of the endpoints.
    public func at(_ endpoint: Endpoint) -> Configuration {
        var configuration = self
        configuration.host = endpoint.host
        configuration.port = endpoint.port
        return configuration
    }

    /// Parses an AMQP URL, or a comma-separated list of them for a cluster (see the type's
    /// comment); the error names the part that is wrong.
    public init(url string: String) throws(RabbitMQError) {
        let parts = string.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard parts.count > 1 else {
            try self.init(single: string)
            return
        }
        try self.init(single: parts[0])
        for part in parts.dropFirst() {
            if part.contains("://") {
                let other = try Configuration(single: part)
                guard other.user == user, other.password == password, other.virtualHost == virtualHost, (other.options.tls == nil) == (options.tls == nil) else {
                    throw RabbitMQError(.invalidURL, "the cluster's URLs must share user, password, vhost and scheme: `\(other)` differs from `\(self)`")
                }
                alternates.append(Endpoint(host: other.host, port: other.port))
            } else {
                // `host:port` (or `host`) after the first URL.
                let pieces = part.split(separator: ":", maxSplits: 1).map(String.init)
                let port: Int
                if pieces.count == 2 {
                    guard let number = Int(pieces[1]), (1...65535).contains(number) else {
                        throw RabbitMQError(.invalidURL, "`\(part)` in the cluster's list is not host:port with a port in 1-65535")
                    }
                    port = number
                } else {
                    port = options.tls == nil ? 5672 : 5671
                }
                alternates.append(Endpoint(host: pieces[0], port: port))
            }
        }
    }

    private init(single string: String) throws(RabbitMQError) {
        guard let components = URLComponents(string: string), let scheme = components.scheme?.lowercased() else {
            throw RabbitMQError(.invalidURL, "not a URL: expected amqp://user:password@host:port/vhost")
        }
        var options = Options()
        switch scheme {
        case "amqp": break
        case "amqps": options.tls = TLS()
        default:
            throw RabbitMQError(.invalidURL, "unknown scheme `\(scheme)`: expected amqp or amqps")
        }
        let host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
        if let port = components.port, !(1...65535).contains(port) {
            throw RabbitMQError(.invalidURL, "port \(port) is out of range 1-65535")
        }
        var path = components.percentEncodedPath
        if path.hasPrefix("/") { path.removeFirst() }
        if path.contains("/") {
            throw RabbitMQError(.invalidURL, "the vhost `\(path)` contains `/`: encode it as %2F")
        }
        let virtualHost = path.isEmpty ? "/" : (path.removingPercentEncoding ?? path)

        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            func integer(_ range: ClosedRange<Int>) throws(RabbitMQError) -> Int {
                guard let number = Int(value), range.contains(number) else {
                    throw RabbitMQError(.invalidURL, "query parameter `\(item.name)` must be an integer in \(range.lowerBound)...\(range.upperBound), got `\(value)`")
                }
                return number
            }
            func flag() throws(RabbitMQError) -> Bool {
                switch value.lowercased() {
                case "true", "1", "yes": return true
                case "false", "0", "no": return false
                default: throw RabbitMQError(.invalidURL, "query parameter `\(item.name)` must be true or false, got `\(value)`")
                }
            }
            switch item.name {
            case "heartbeat": options.heartbeat = try integer(0...3600)
            // Milliseconds, as in RabbitMQ's URI spec.
            case "connection_timeout": options.connectionTimeout = (try integer(1...3_600_000) + 999) / 1000
            case "frame_max": options.frameMax = try integer(4096...1_048_576)
            case "channel_max": options.channelMax = try integer(0...65535)
            case "connection_name": options.connectionName = value
            case "cacertfile": options.tls?.caCertificateFile = value
            case "certfile": options.tls?.certificateFile = value
            case "keyfile": options.tls?.keyFile = value
            case "verify": options.tls?.verifyPeer = (value != "verify_none")
            case "server_name_indication", "verify_hostname": options.tls?.verifyHostname = try flag()
            default:
                throw RabbitMQError(.invalidURL, "unknown query parameter `\(item.name)`: known are heartbeat, connection_timeout, frame_max, channel_max, connection_name, cacertfile, certfile, keyfile, verify")
            }
        }
        self.init(
            host: host,
            port: components.port,
            user: components.user.map { $0.removingPercentEncoding ?? $0 } ?? "guest",
            password: components.password.map { $0.removingPercentEncoding ?? $0 } ?? "guest",
            virtualHost: virtualHost,
            options: options
        )
    }

    /// The URL without the password, safe for logs; a cluster's other nodes follow it.
    public var description: String {
        let scheme = options.tls == nil ? "amqp" : "amqps"
        let vhost = virtualHost == "/" ? "" : (virtualHost.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? virtualHost)
        return "\(scheme)://\(user)@\(host):\(port)/\(vhost)" + alternates.map { ",\($0)" }.joined()
    }
}
