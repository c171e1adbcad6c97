/// The deliveries of one `basic.consume`, as an async sequence.
///
/// The sequence ends when the consumer is cancelled, and throws when the broker cancels it,
/// the channel is closed or the connection is lost. Prefetch (`basic.qos`) bounds its buffer.
public struct Consumer: AsyncSequence, Sendable {
    public typealias Element = Delivery
    public let tag: String
    public let channel: Channel
    let stream: AsyncThrowingStream<Delivery, any Error>

    public func makeAsyncIterator() -> AsyncThrowingStream<Delivery, any Error>.AsyncIterator {
        stream.makeAsyncIterator()
    }

    /// Stops deliveries (basic.cancel); the sequence then ends after what was already received.
    public func cancel() async throws {
        try await channel.cancel(consumerTag: tag)
    }
}
