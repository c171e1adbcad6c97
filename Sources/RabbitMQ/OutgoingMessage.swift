import Foundation

/// A message to publish: where it goes, its envelope and its body.
public struct OutgoingMessage: Sendable {
    public var exchange: String
    public var routingKey: String
    public var body: Data
    public var properties: BasicProperties
    /// Unroutable mandatory messages come back as a `.returned` error instead of vanishing.
    public var mandatory: Bool

    public init(exchange: String = "", routingKey: String, body: Data, properties: BasicProperties = .persistentJSON, mandatory: Bool = true) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.body = body
        self.properties = properties
        self.mandatory = mandatory
    }
}
