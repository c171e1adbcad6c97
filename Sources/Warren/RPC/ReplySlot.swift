import RabbitMQ
import Synchronization

/// Where one call's answer lands: the reply, its deadline, or the loss of the connection,
/// whichever comes first. Later answers are ignored.
final class ReplySlot: Sendable {
    enum Answer: Sendable {
        case reply(Reply)
        case deadlinePassed
        case connectionLost
        /// The broker did not take the request: nacked, returned unroutable, channel closed.
        case refused(RabbitMQError)
    }

    /// The broker confirmed the request.
    let confirmed = Atomic<Bool>(false)
    /// The request was handed to the connection. From then on a lost connection leaves the call
    /// ambiguous, confirmed or not: the broker may have enqueued it (a quorum queue commits it
    /// on a majority before the confirm goes out) and the server may handle it, so the caller
    /// compensates. Seen on a three-node cluster: a node killed between a payment's enqueue and
    /// its confirm left a charge with no reservation until this counted as ambiguous.
    let handedOver = Atomic<Bool>(false)

    private enum State {
        case empty
        case waiting(CheckedContinuation<Answer, Never>)
        case answered(Answer)
        /// The caller took the answer; the slot may still sit in the deadline heap.
        case taken
    }

    private let state = Mutex(State.empty)

    /// Returns false when the slot was already answered.
    @discardableResult
    func answer(_ answer: Answer) -> Bool {
        let (first, waiter): (Bool, CheckedContinuation<Answer, Never>?) = state.withLock { state in
            switch state {
            case .answered, .taken: return (false, nil)
            case .empty:
                state = .answered(answer)
                return (true, nil)
            case .waiting(let continuation):
                state = .taken
                return (true, continuation)
            }
        }
        waiter?.resume(returning: answer)
        return first
    }

    func wait() async -> Answer {
        await withCheckedContinuation { continuation in
            let ready: Answer? = state.withLock { state in
                if case .answered(let answer) = state {
                    state = .taken
                    return answer
                }
                state = .waiting(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
