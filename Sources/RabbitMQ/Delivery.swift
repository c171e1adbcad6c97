import Foundation

/// A message handed to a consumer, with what is needed to settle it.
///
/// A class, not a struct: a delivery travels from the connection thread through two buffers to
/// the consuming task, and each copy of a struct this size retained every field (perf on
/// bench/amqp); a copy of a class reference is one retain.
public final class Delivery: Sendable {
    public let channel: Channel
    public let consumerTag: String
    public let deliveryTag: UInt64
    /// The broker delivered this message before and it was not acked: handle idempotently.
    public let redelivered: Bool
    public let exchange: String
    public let routingKey: String
    public let properties: BasicProperties
    public let body: Data

    init(channel: Channel, consumerTag: String, deliveryTag: UInt64, redelivered: Bool, exchange: String,
         routingKey: String, properties: BasicProperties, body: Data) {
        self.channel = channel
        self.consumerTag = consumerTag
        self.deliveryTag = deliveryTag
        self.redelivered = redelivered
        self.exchange = exchange
        self.routingKey = routingKey
        self.properties = properties
        self.body = body
    }

    public func ack(multiple: Bool = false) async throws {
        try await channel.ack(deliveryTag: deliveryTag, multiple: multiple)
    }

    /// Acks deliveries handled together, each channel's in as few frames as its outstanding
    /// deliveries allow (see `Channel.ack(deliveryTags:)`).
    public static func ack(_ deliveries: [Delivery]) async throws {
        var channels: [(channel: Channel, tags: [UInt64])] = []
        for delivery in deliveries {
            if let index = channels.firstIndex(where: { $0.channel.number == delivery.channel.number && $0.channel.id == delivery.channel.id }) {
                channels[index].tags.append(delivery.deliveryTag)
            } else {
                channels.append((delivery.channel, [delivery.deliveryTag]))
            }
        }
        for (channel, tags) in channels { try await channel.ack(deliveryTags: tags) }
    }

    public func nack(multiple: Bool = false, requeue: Bool) async throws {
        try await channel.nack(deliveryTag: deliveryTag, multiple: multiple, requeue: requeue)
    }

    public func reject(requeue: Bool) async throws {
        try await channel.reject(deliveryTag: deliveryTag, requeue: requeue)
    }
}
