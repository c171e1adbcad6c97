import Metrics
import Synchronization

/// The worker's Prometheus series, labelled by context; see README's metrics table.
///
/// The per-delivery series are made once per message type and kept: making one looks it up in
/// the metrics backend (a lock, label checks), which would cost every delivery again.
package struct WorkerMetrics: Sendable {
    let context: String
    private let perType = PerType()

    init(context: String) {
        self.context = context
    }

    func delivered(type: String) {
        perType.series(for: type, context: context).delivered.increment()
    }

    func handled(type: String, duration: Duration) {
        perType.series(for: type, context: context).handled.recordNanoseconds(duration.nanoseconds)
    }

    func outcome(_ outcome: DeliveryPipeline.Outcome) {
        perType.outcome(outcome, context: context).increment()
        if outcome == .duplicate {
            Counter(label: "warren_inbox_duplicates_total", dimensions: [("context", context)]).increment()
        }
    }

    package func outboxBacklog(_ rows: Int) {
        Gauge(label: "warren_outbox_backlog", dimensions: [("context", context)]).record(rows)
    }

    func connected(_ up: Bool) {
        Gauge(label: "warren_broker_connected", dimensions: [("context", context)]).record(up ? 1 : 0)
    }

    private final class PerType: Sendable {
        struct Series: Sendable {
            let delivered: Counter
            let handled: Metrics.Timer
        }

        private let byType = Mutex<[String: Series]>([:])
        private let byOutcome = Mutex<[DeliveryPipeline.Outcome: Counter]>([:])

        func series(for type: String, context: String) -> Series {
            byType.withLock { series in
                if let known = series[type] { return known }
                let made = Series(
                    delivered: Counter(label: "warren_deliveries_total", dimensions: [("context", context), ("type", type)]),
                    handled: Metrics.Timer(label: "warren_handler_duration_seconds", dimensions: [("context", context), ("type", type)],
                                           preferredDisplayUnit: .seconds))
                // Types come from the wire: a flood of made-up ones must not grow this without end.
                if series.count < 1000 { series[type] = made }
                return made
            }
        }

        func outcome(_ outcome: DeliveryPipeline.Outcome, context: String) -> Counter {
            byOutcome.withLock { counters in
                if let known = counters[outcome] { return known }
                let made = Counter(label: "warren_outcomes_total", dimensions: [("context", context), ("outcome", outcome.rawValue)])
                counters[outcome] = made
                return made
            }
        }
    }
}
