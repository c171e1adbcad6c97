/// A one-shot result handed to the connection thread, which resolves it exactly once.
///
/// `@unchecked Sendable`: `resolved` is only touched by the connection thread, or by the caller
/// before the job reaches that thread (when the connection is already gone).
final class Promise<Value: Sendable>: @unchecked Sendable {
    private let continuation: UnsafeContinuation<Value, any Error>
    private var resolved = false

    init(_ continuation: UnsafeContinuation<Value, any Error>) {
        self.continuation = continuation
    }

    func succeed(_ value: Value) {
        guard !resolved else { return }
        resolved = true
        continuation.resume(returning: value)
    }

    func fail(_ error: any Error) {
        guard !resolved else { return }
        resolved = true
        continuation.resume(throwing: error)
    }

    func complete(_ result: Result<Value, RabbitMQError>) {
        switch result {
        case .success(let value): succeed(value)
        case .failure(let error): fail(error)
        }
    }
}

extension Promise where Value == Void {
    func succeed() { succeed(()) }
}
