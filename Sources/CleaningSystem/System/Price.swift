import Foundation
import Postgres

/// A `decimal` field of the topology: an exact amount, read from a JSON number or a numeric
/// string (HTTPie's `price=2000` sends a string, and the topology's validator accepts both),
/// written as a JSON number.
struct Price: Codable, Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    var amount: Decimal

    init(_ amount: Decimal) { self.amount = amount }
    init(integerLiteral value: Int) { amount = Decimal(value) }

    init?(_ text: String) {
        let posix = Locale(identifier: "en_US_POSIX")
        guard !text.isEmpty, text.allSatisfy({ "0123456789.-+eE".contains($0) }),
              let amount = Decimal(string: text, locale: posix) else { return nil }
        self.amount = amount
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            guard let price = Price(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "`\(text)` is not a decimal number")
            }
            self = price
        } else {
            amount = try container.decode(Decimal.self)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(amount)
    }

    var description: String { amount.description }
    static func < (lhs: Price, rhs: Price) -> Bool { lhs.amount < rhs.amount }
}

extension Price: PostgresEncodable, PostgresDecodable {
    var postgresText: String? { amount.postgresText }
    init?(postgresText text: String) {
        guard let amount = Decimal(postgresText: text) else { return nil }
        self.amount = amount
    }
}
