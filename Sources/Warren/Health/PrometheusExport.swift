import Metrics
import Prometheus

/// The process's Prometheus registry, behind swift-metrics: every `Counter`, `Gauge` and
/// `Timer` of the runtime lands here and `/metrics` prints it.
public enum PrometheusExport {
    /// Bootstraps `MetricsSystem` with a `PrometheusMetricsFactory` the first time it is read;
    /// `MetricsSystem` accepts one bootstrap per process, and a `static let` runs once.
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}
