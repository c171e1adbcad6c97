/// The deliveries of one `basic.consume`, as an async sequence.
///
/// The sequence ends when the consumer is cancelled, and throws when the broker cancels it,
/// the channel is closed or the connection is lost. Prefetch (`basic.qos`) bounds its buffer.
public struct Consumer: AsyncSequence, Sendable {
    public typealias Element = Delivery
    public let tag: String
    public let channel: Channel
    let buffer: DeliveryBuffer

    public struct AsyncIterator: AsyncIteratorProtocol {
        let buffer: DeliveryBuffer
        /// Deliveries taken from the buffer in one go, consumed from `index`.
        var batch: [Delivery] = []
        var index = 0

        public mutating func next() async throws -> Delivery? {
            if index == batch.count {
                batch.removeAll(keepingCapacity: true)
                index = 0
                buffer.takeAll(into: &batch)
                if batch.isEmpty { return try await buffer.next() }
            }
            defer { index += 1 }
            return batch[index]
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(buffer: buffer) }

    /// Stops deliveries (basic.cancel); the sequence then ends after what was already received.
    public func cancel() async throws {
        try await channel.cancel(consumerTag: tag)
    }
}

/// A consumer as the connection thread sees it: deliveries collect in `pending` during one read
/// of the socket and reach the consuming task together.
final class ConsumerState {
    let buffer: DeliveryBuffer
    let noAck: Bool
    var pending: [Delivery] = []

    init(buffer: DeliveryBuffer, noAck: Bool) {
        self.buffer = buffer
        self.noAck = noAck
    }

    func flush() {
        guard !pending.isEmpty else { return }
        buffer.append(&pending)
    }

    func finish(throwing error: (any Error)? = nil) {
        flush()
        buffer.finish(throwing: error)
    }
}
