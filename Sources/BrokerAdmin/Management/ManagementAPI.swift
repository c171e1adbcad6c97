import Foundation
import RabbitMQ

/// RabbitMQ's management HTTP API: the calls `apply` and `permissions --apply` make.
public struct ManagementAPI: Sendable {
    public var http: HTTPClient
    /// The URL without the password, for messages.
    public var displayURL: String

    /// Parses `http://user:password@host:port`; the credentials default to guest.
    public init(url: String) throws(ManagementError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty else {
            throw ManagementError(.invalidURL, "not a management URL: `\(Self.redacted(url))` (expected http://user:password@host:15672)")
        }
        guard scheme == "http" else {
            throw ManagementError(.invalidURL, "`\(scheme)` management URLs are not supported (warren's HTTP client speaks plain http only)")
        }
        let user = components.user.map { $0.removingPercentEncoding ?? $0 } ?? "guest"
        let password = components.password.map { $0.removingPercentEncoding ?? $0 } ?? "guest"
        let port = components.port ?? 15672
        // Generous: the management API can take more than 10 s to answer while the broker is
        // busy creating vhosts (seen in CI, when tests set up theirs in parallel).
        http = HTTPClient(host: host, port: port, user: user, password: password, timeout: 30)
        displayURL = "http://\(user)@\(host):\(port)"
    }

    /// The management URL an operator most likely means: `RABBITMQ_MANAGEMENT_URL` when set,
    /// else the AMQP URL's host and credentials on port 15672.
    public static func defaultURL(for amqp: Configuration, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let url = environment["RABBITMQ_MANAGEMENT_URL"], !url.isEmpty { return url }
        let user = amqp.user.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? amqp.user
        let password = amqp.password.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? amqp.password
        let host = amqp.host.contains(":") ? "[\(amqp.host)]" : amqp.host
        return "http://\(user):\(password)@\(host):15672"
    }

    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = nil
        return components.string ?? url
    }

    static func path(_ segments: String...) -> String {
        "/api/" + segments.map { $0.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? $0 }
            .joined(separator: "/")
    }

    // MARK: - Reading

    public func queues(vhost: String) async throws(ManagementError) -> [ManagementQueue] {
        try await get(Self.path("queues", vhost))
    }

    public func exchanges(vhost: String) async throws(ManagementError) -> [ManagementExchange] {
        try await get(Self.path("exchanges", vhost))
    }

    public func bindings(vhost: String) async throws(ManagementError) -> [ManagementBinding] {
        try await get(Self.path("bindings", vhost))
    }

    /// Whether a user exists (GET /api/users/{name} answers 200).
    public func userExists(_ name: String) async throws(ManagementError) -> Bool {
        let response = try await send("GET", Self.path("users", name))
        if response.status == 404 { return false }
        try check(response, "GET", "users/\(name)")
        return true
    }

    /// A GET that times out is asked once more before giving up: a broker creating many vhosts
    /// at once can leave one request unanswered for longer than a read timeout (seen in CI, with
    /// the tests' vhosts), and asking again changes nothing on the broker.
    func get<Value: Decodable>(_ path: String) async throws(ManagementError) -> Value {
        let response: HTTPClient.Response
        do {
            response = try await http.send("GET", path)
        } catch {
            guard error.code == .timedOut else { throw unreachable(error) }
            response = try await send("GET", path)
        }
        try check(response, "GET", path)
        do {
            return try JSONDecoder().decode(Value.self, from: response.body)
        } catch {
            throw ManagementError(.unexpectedResponse, "GET \(path) at \(displayURL): cannot read the JSON: \(error)")
        }
    }

    // MARK: - Writing

    public func putVirtualHost(_ name: String) async throws(ManagementError) {
        try await write("PUT", Self.path("vhosts", name), [:])
    }

    public func deleteVirtualHost(_ name: String) async throws(ManagementError) {
        let response = try await send("DELETE", Self.path("vhosts", name))
        if response.status != 404 { try check(response, "DELETE", "vhosts/\(name)") }
    }

    /// Creates the user or sets its password; `tags` empty: no management UI access.
    public func putUser(_ name: String, password: String, tags: String = "") async throws(ManagementError) {
        try await write("PUT", Self.path("users", name), ["password": password, "tags": tags])
    }

    public func deleteUser(_ name: String) async throws(ManagementError) {
        let response = try await send("DELETE", Self.path("users", name))
        if response.status != 404 { try check(response, "DELETE", "users/\(name)") }
    }

    public func putPermissions(vhost: String, user: String, configure: String, write: String, read: String) async throws(ManagementError) {
        try await self.write("PUT", Self.path("permissions", vhost, user), ["configure": configure, "write": write, "read": read])
    }

    /// POST /api/definitions/{vhost}: what `rabbitmqctl import_definitions` does.
    public func importDefinitions(_ json: Data, vhost: String) async throws(ManagementError) {
        let response = try await send("POST", Self.path("definitions", vhost), json: json)
        try check(response, "POST", "definitions/\(vhost)")
    }

    func write(_ method: String, _ path: String, _ body: [String: String]) async throws(ManagementError) {
        let json = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data("{}".utf8)
        let response = try await send(method, path, json: json)
        try check(response, method, path)
    }

    func send(_ method: String, _ path: String, json: Data? = nil) async throws(ManagementError) -> HTTPClient.Response {
        do {
            return try await http.send(method, path, json: json)
        } catch {
            throw unreachable(error)
        }
    }

    private func unreachable(_ error: HTTPError) -> ManagementError {
        ManagementError(.unreachable, "no management API at \(displayURL): \(error.message)")
    }

    func check(_ response: HTTPClient.Response, _ method: String, _ path: String) throws(ManagementError) {
        guard !response.isSuccess else { return }
        let reason = (try? JSONDecoder().decode([String: String].self, from: response.body))?["reason"] ?? response.text.prefix(200).description
        let code: ManagementError.Code = response.status == 401 ? .unauthorized : .refused
        throw ManagementError(code, "\(method) \(path) at \(displayURL) answered \(response.status): \(reason)", status: response.status)
    }
}

/// A management API call that failed, with the HTTP status when there was one; no password.
public struct ManagementError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        public static let invalidURL = Code(name: "invalid management URL")
        /// Nothing answers HTTP at the URL.
        public static let unreachable = Code(name: "management API unreachable")
        /// 401: wrong credentials, or a user without the management tag.
        public static let unauthorized = Code(name: "management API refused the credentials")
        /// Any other error status.
        public static let refused = Code(name: "management API refused the request")
        public static let unexpectedResponse = Code(name: "unexpected management API response")
    }

    public var code: Code
    public var message: String
    public var status: Int?

    init(_ code: Code, _ message: String, status: Int? = nil) {
        self.code = code
        self.message = message
        self.status = status
    }

    public var description: String { message }
}
