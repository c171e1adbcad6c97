import Foundation

/// A message handed to a consumer, with what is needed to settle it.
public struct Delivery: Sendable {
    public let channel: Channel
    public let consumerTag: String
    public let deliveryTag: UInt64
    /// The broker delivered this message before and it was not acked: handle idempotently.
    public let redelivered: Bool
    public let exchange: String
    public let routingKey: String
    public let properties: BasicProperties
    public let body: Data

    public func ack(multiple: Bool = false) async throws {
        try await channel.ack(deliveryTag: deliveryTag, multiple: multiple)
    }

    public func nack(multiple: Bool = false, requeue: Bool) async throws {
        try await channel.nack(deliveryTag: deliveryTag, multiple: multiple, requeue: requeue)
    }

    public func reject(requeue: Bool) async throws {
        try await channel.reject(deliveryTag: deliveryTag, requeue: requeue)
    }
}
