/// SQL text with its parameters, built by string interpolation: every interpolated value becomes a
/// `$n` placeholder and travels separately, so values can never be spliced into the SQL.
///
/// ```swift
/// try await connection.execute("INSERT INTO inbox (message_id, received_at) VALUES (\(id), \(now))")
/// ```
public struct PostgresQuery: Sendable, ExpressibleByStringInterpolation {
    public var sql: String
    public var parameters: [any PostgresEncodable]

    /// A statement whose SQL is already written with `$1, $2, ...` placeholders.
    public init(sql: String, parameters: [any PostgresEncodable] = []) {
        self.sql = sql
        self.parameters = parameters
    }

    public init(stringLiteral value: String) {
        self.init(sql: value)
    }

    public init(stringInterpolation: StringInterpolation) {
        self.init(sql: stringInterpolation.sql, parameters: stringInterpolation.parameters)
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var sql = ""
        var parameters: [any PostgresEncodable] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            parameters.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        /// Binds `value` as the next `$n` parameter.
        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            parameters.append(value)
            sql += "$\(parameters.count)"
        }

        /// Binds `value` as the next `$n` parameter; `nil` is SQL NULL.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            parameters.append(value)
            sql += "$\(parameters.count)"
        }

        /// Inserts trusted SQL text (an identifier the program chose, never user input) verbatim.
        public mutating func appendInterpolation(unescaped sql: String) {
            self.sql += sql
        }
    }
}
