import Synchronization

/// The deliveries waiting for one lane, in arrival order. Unlike an `AsyncStream`, it can be
/// asked for the next one without waiting, which lets a lane start several deliveries' calls
/// before it commits the first.
package final class LaneQueue<Element: Sendable>: Sendable {
    private struct State {
        var items: [Element] = []
        var head = 0
        var waiter: CheckedContinuation<Element?, Never>?
        var finished = false

        mutating func take() -> Element? {
            guard head < items.count else { return nil }
            let element = items[head]
            head += 1
            if head > 64 && head * 2 > items.count {
                items.removeFirst(head)
                head = 0
            }
            return element
        }
    }

    private let state = Mutex(State())

    package init() {}

    package func push(_ element: Element) {
        let waiter = state.withLock { state -> CheckedContinuation<Element?, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.items.append(element)
            return nil
        }
        waiter?.resume(returning: element)
    }

    /// No more elements come; `next()` returns nil once the queued ones are taken.
    package func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<Element?, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// The next element, waiting for one; nil once finished and empty. One caller at a time.
    package func next() async -> Element? {
        if let element = poll() { return element }
        return await withCheckedContinuation { continuation in
            let ready: Element?? = state.withLock { state in
                if let element = state.take() { return .some(element) }
                if state.finished { return .some(nil) }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// The next element if one is queued now.
    package func poll() -> Element? {
        state.withLock { $0.take() }
    }
}
