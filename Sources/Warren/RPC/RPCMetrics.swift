import Metrics

/// The RPC client's Prometheus series, labelled by caller and target context.
struct RPCMetrics: Sendable {
    let caller: String

    func call(target: String, outcome: String, duration: Duration) {
        Counter(label: "warren_rpc_calls_total", dimensions: [("caller", caller), ("target", target), ("outcome", outcome)]).increment()
        Metrics.Timer(label: "warren_rpc_call_duration_seconds", dimensions: [("caller", caller), ("target", target)],
                      preferredDisplayUnit: .seconds).recordNanoseconds(duration.nanoseconds)
    }

    /// A call refused before anything was sent: circuit open or no connection.
    func rejectedFast(target: String) {
        Counter(label: "warren_rpc_calls_total", dimensions: [("caller", caller), ("target", target), ("outcome", "unavailable")]).increment()
    }

    func lateReply() {
        Counter(label: "warren_rpc_late_replies_total", dimensions: [("caller", caller)]).increment()
    }

    /// 0 closed, 1 half-open, 2 open.
    func breaker(target: String, state: CircuitBreaker.State) {
        let value = switch state { case .closed: 0; case .halfOpen: 1; case .open: 2 }
        Gauge(label: "warren_rpc_circuit_state", dimensions: [("caller", caller), ("target", target)]).record(value)
        Counter(label: "warren_rpc_circuit_transitions_total", dimensions: [("caller", caller), ("target", target), ("to", state.rawValue)]).increment()
    }
}
