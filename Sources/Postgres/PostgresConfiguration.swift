/// Where and how to connect: the libpq connection parameters, as a `Sendable` value.
///
/// Build it from a `postgres://user:password@host:port/database?key=value` URL (what deployments
/// pass in `DATABASE_URL`) or field by field. Query parameters (`sslmode`, `application_name`,
/// `connect_timeout`, ...) are handed to libpq unchanged as conninfo keywords, so every libpq option
/// works without this type knowing it; libpq rejects unknown ones at connect time.
public struct PostgresConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// Host name, IP address, or the directory of a Unix-domain socket (starts with `/`).
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    /// Defaults to the user name on the server side when `nil`.
    public var database: String?
    /// Further libpq conninfo keywords, e.g. `["sslmode": "require"]`. They override the fields above.
    public var parameters: [String: String]

    /// libpq otherwise waits forever for an unreachable host; a worker should rather fail and retry.
    public static let defaultConnectTimeoutSeconds = 10

    public init(
        host: String, port: Int = 5432, user: String, password: String? = nil, database: String? = nil,
        parameters: [String: String] = [:]
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.parameters = parameters
    }

    /// Parses `postgres://` or `postgresql://` URLs; user, password, database and parameter values
    /// are percent-decoded. Throws `PostgresError` with code `.invalidURL` naming what is wrong
    /// (never quoting the password).
    public init(url: String) throws {
        func invalid(_ reason: String) -> PostgresError {
            PostgresError(code: .invalidURL, message: "invalid PostgreSQL URL: \(reason)")
        }
        guard let schemeEnd = url.range(of: "://") else {
            throw invalid("expected postgres://user:password@host:port/database")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw invalid("the scheme must be postgres:// or postgresql://, not \(scheme)://")
        }
        var rest = url[schemeEnd.upperBound...]

        var parameters: [String: String] = [:]
        if let question = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: question)...].split(separator: "&") where !pair.isEmpty {
                guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                    throw invalid("query parameter '\(pair)' must be key=value")
                }
                let key = pair[..<equals]
                guard let value = Self.percentDecode(pair[pair.index(after: equals)...]) else {
                    throw invalid("the value of query parameter '\(key)' has a bad percent-encoding")
                }
                parameters[String(key)] = value
            }
            rest = rest[..<question]
        }

        var database: String?
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            if !path.isEmpty {
                guard let decoded = Self.percentDecode(path) else {
                    throw invalid("the database name has a bad percent-encoding")
                }
                database = decoded
            }
            rest = rest[..<slash]
        }

        var user: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            if let colon = userInfo.firstIndex(of: ":") {
                guard let decoded = Self.percentDecode(userInfo[userInfo.index(after: colon)...]) else {
                    throw invalid("the password has a bad percent-encoding")
                }
                password = decoded
                user = Self.percentDecode(userInfo[..<colon])
            } else {
                user = Self.percentDecode(userInfo)
            }
            guard user != nil else { throw invalid("the user name has a bad percent-encoding") }
            rest = rest[rest.index(after: at)...]
        }
        guard let user, !user.isEmpty else {
            throw invalid("missing user name (postgres://USER:password@host/database)")
        }

        var hostPart = rest
        var port = 5432
        if hostPart.hasPrefix("[") {  // IPv6 literal: [::1]:5432
            guard let close = hostPart.firstIndex(of: "]") else { throw invalid("unclosed '[' in the host") }
            let after = hostPart[hostPart.index(after: close)...]
            if after.hasPrefix(":") { port = try Self.parsePort(after.dropFirst(), invalid) }
            else if !after.isEmpty { throw invalid("unexpected text after the IPv6 host") }
            hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
        } else if let colon = hostPart.lastIndex(of: ":") {
            port = try Self.parsePort(hostPart[hostPart.index(after: colon)...], invalid)
            hostPart = hostPart[..<colon]
        }
        guard let host = Self.percentDecode(hostPart), !host.isEmpty else {
            throw invalid("missing host (postgres://user:password@HOST:port/database)")
        }

        self.init(host: host, port: port, user: user, password: password, database: database, parameters: parameters)
    }

    /// The URL without the password (also hiding parameters whose name contains "password").
    public var description: String {
        var text = "postgres://\(user)@"
        text += host.contains(":") ? "[\(host)]" : host
        text += ":\(port)/\(database ?? "")"
        if !parameters.isEmpty {
            let pairs = parameters.sorted { $0.key < $1.key }.map { key, value in
                key.lowercased().contains("password") ? "\(key)=****" : "\(key)=\(value)"
            }
            text += "?" + pairs.joined(separator: "&")
        }
        return text
    }

    /// Keyword/value pairs for `PQconnectdbParams`, in the order libpq should apply them.
    var conninfo: [(String, String)] {
        var pairs: [(String, String)] = [("host", host), ("port", String(port)), ("user", user)]
        if let password { pairs.append(("password", password)) }
        if let database { pairs.append(("dbname", database)) }
        // Our text decoding expects UTF-8; the caller may still override it.
        if parameters["client_encoding"] == nil { pairs.append(("client_encoding", "UTF8")) }
        if parameters["connect_timeout"] == nil {
            pairs.append(("connect_timeout", String(Self.defaultConnectTimeoutSeconds)))
        }
        pairs.append(contentsOf: parameters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        return pairs
    }

    private static func parsePort(_ text: Substring, _ invalid: (String) -> PostgresError) throws -> Int {
        guard let port = Int(text), (1...65535).contains(port) else {
            throw invalid("the port must be a number from 1 to 65535, not '\(text)'")
        }
        return port
    }

    /// RFC 3986 percent-decoding; `nil` for a malformed escape or invalid UTF-8.
    private static func percentDecode(_ text: Substring) -> String? {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

/// The value of one ASCII hex digit.
func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}
