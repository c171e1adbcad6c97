import Synchronization

/// Deliveries handed from the connection thread to the consuming task, a batch per hand-off.
///
/// One wake-up of the consuming task per socket read instead of one per message: with two cores
/// and a busy broker, thread switches, not parsing, are what a consumer pays for (measured with
/// `perf` on bench/amqp: a per-message hand-off spent a quarter of the time in the scheduler).
final class DeliveryBuffer: Sendable {
    private struct State {
        var items: [Delivery] = []
        var head = 0
        var waiter: UnsafeContinuation<Delivery?, any Error>?
        var end: (any Error)??
        var cancelled = false

        mutating func take() -> Delivery? {
            guard head < items.count else { return nil }
            let item = items[head]
            head += 1
            if head == items.count {
                items.removeAll(keepingCapacity: true)
                head = 0
            }
            return item
        }
    }

    private enum Step {
        case item(Delivery)
        case end((any Error)?)
        case wait
    }

    private let state = Mutex(State())

    /// Called on the connection thread; leaves `batch` empty. When nothing is buffered the arrays
    /// are swapped, not copied: the same few arrays circulate between the connection thread, this
    /// buffer and the consuming iterator.
    func append(_ batch: inout [Delivery]) {
        guard !batch.isEmpty else { return }
        let resume: (UnsafeContinuation<Delivery?, any Error>, Delivery)? = state.withLock { state in
            guard state.end == nil else { return nil }
            if state.head == state.items.count {
                state.head = 0
                state.items.removeAll(keepingCapacity: true)
                swap(&state.items, &batch)
            } else {
                state.items.append(contentsOf: batch)
            }
            guard let waiter = state.waiter else { return nil }
            state.waiter = nil
            return (waiter, state.take()!)
        }
        // Outside the lock: releasing deliveries is not free.
        batch.removeAll(keepingCapacity: true)
        if let (waiter, first) = resume { waiter.resume(returning: first) }
    }

    /// Ends the sequence after what is buffered: normally with nil, or by throwing `error`.
    func finish(throwing error: (any Error)? = nil) {
        let waiter = state.withLock { state -> UnsafeContinuation<Delivery?, any Error>? in
            guard state.end == nil else { return nil }
            state.end = .some(error)
            defer { state.waiter = nil }
            return state.waiter
        }
        if let waiter {
            if let error { waiter.resume(throwing: error) } else { waiter.resume(returning: nil) }
        }
    }

    /// Takes everything buffered at once, so a consumer locks once per batch, not per message.
    func takeAll(into batch: inout [Delivery]) {
        state.withLock { state in
            guard state.head < state.items.count else { return }
            if state.head == 0 {
                swap(&batch, &state.items)
            } else {
                batch.append(contentsOf: state.items[state.head...])
                state.items.removeAll(keepingCapacity: true)
            }
            state.head = 0
        }
    }

    func next() async throws -> Delivery? {
        switch state.withLock({ Self.step(&$0) }) {
        case .item(let delivery): return delivery
        case .end(let error): if let error { throw error }; return nil
        case .wait: break
        }
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                let step = state.withLock { state -> Step in
                    let step = Self.step(&state)
                    if case .wait = step {
                        if state.cancelled { return .end(nil) }
                        state.waiter = continuation
                    }
                    return step
                }
                switch step {
                case .item(let delivery): continuation.resume(returning: delivery)
                case .end(let error): if let error { continuation.resume(throwing: error) } else { continuation.resume(returning: nil) }
                case .wait: break
                }
            }
        } onCancel: {
            // A cancelled consuming task stops iterating; the consumer itself stays until cancelled.
            let waiter = state.withLock { state in
                state.cancelled = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    private static func step(_ state: inout State) -> Step {
        if let item = state.take() { return .item(item) }
        if let end = state.end { return .end(end) }
        if state.cancelled { return .end(nil) }
        return .wait
    }
}
