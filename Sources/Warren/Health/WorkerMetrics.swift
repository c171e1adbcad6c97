import Metrics

/// The worker's Prometheus series, labelled by context; see README's metrics table.
struct WorkerMetrics: Sendable {
    let context: String

    func delivered(type: String) {
        Counter(label: "warren_deliveries_total", dimensions: [("context", context), ("type", type)]).increment()
    }

    func handled(type: String, duration: Duration) {
        Metrics.Timer(label: "warren_handler_duration_seconds", dimensions: [("context", context), ("type", type)],
                      preferredDisplayUnit: .seconds).recordNanoseconds(duration.nanoseconds)
    }

    func outcome(_ outcome: DeliveryPipeline.Outcome) {
        Counter(label: "warren_outcomes_total", dimensions: [("context", context), ("outcome", outcome.rawValue)]).increment()
        if outcome == .duplicate {
            Counter(label: "warren_inbox_duplicates_total", dimensions: [("context", context)]).increment()
        }
    }

    func outboxBacklog(_ rows: Int) {
        Gauge(label: "warren_outbox_backlog", dimensions: [("context", context)]).record(rows)
    }

    func connected(_ up: Bool) {
        Gauge(label: "warren_broker_connected", dimensions: [("context", context)]).record(up ? 1 : 0)
    }
}
