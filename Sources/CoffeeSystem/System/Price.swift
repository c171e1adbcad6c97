import Foundation
import Postgres

/// A product's price, a `decimal` of the topology: exact, read from a JSON number or a numeric
/// string (a message sent by hand may carry `"3500"`), written as a JSON number.
struct Price: Codable, Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    var amount: Decimal

    init(_ amount: Decimal) { self.amount = amount }
    init(integerLiteral value: Int) { amount = Decimal(value) }

    init?(_ text: String) {
        guard !text.isEmpty, text.allSatisfy({ "0123456789.-+eE".contains($0) }),
              let amount = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), amount.isFinite else { return nil }
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

    var isPositive: Bool { amount > 0 }
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
