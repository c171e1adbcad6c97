import Metrics

/// The ingress's Prometheus series: every answer counted and timed by method, route template
/// (`/payments/{id}`, never the concrete path, so the series stay few) and status.
enum IngressMetrics {
    static func answered(method: String, route: String, status: Int, duration: Duration) {
        let dimensions = [("method", method), ("route", route), ("status", String(status))]
        Counter(label: "warren_http_requests_total", dimensions: dimensions).increment()
        let nanoseconds = duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        Metrics.Timer(label: "warren_http_request_duration_seconds", dimensions: dimensions,
                      preferredDisplayUnit: .seconds).recordNanoseconds(nanoseconds)
    }
}
