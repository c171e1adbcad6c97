import Synchronization

/// Where one call's answer lands: the reply, its deadline, or the loss of the connection,
/// whichever comes first. Later answers are ignored.
final class ReplySlot: Sendable {
    enum Answer: Sendable {
        case reply(Reply)
        case deadlinePassed
        case connectionLost
    }

    private enum State {
        case empty
        case waiting(CheckedContinuation<Answer, Never>)
        case answered(Answer)
    }

    private let state = Mutex(State.empty)

    /// Returns false when the slot was already answered.
    @discardableResult
    func answer(_ answer: Answer) -> Bool {
        let waiter: CheckedContinuation<Answer, Never>? = state.withLock { state in
            switch state {
            case .answered: return nil
            case .empty:
                state = .answered(answer)
                return nil
            case .waiting(let continuation):
                state = .answered(answer)
                return continuation
            }
        }
        waiter?.resume(returning: answer)
        return true
    }

    func wait() async -> Answer {
        await withCheckedContinuation { continuation in
            let ready: Answer? = state.withLock { state in
                if case .answered(let answer) = state { return answer }
                state = .waiting(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
