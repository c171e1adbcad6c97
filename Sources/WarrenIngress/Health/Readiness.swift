import Logging
import ServiceLifecycle
import Synchronization

/// What `/readyz` reports: ready while the database answers and the ingress is not draining.
///
/// As a `Service` it asks the database every `interval` (`SELECT 1` through the read
/// connections) and turns not-ready as soon as graceful shutdown begins, so a load balancer
/// stops sending requests while the ones in flight finish.
final class Readiness: Service, Sendable {
    private let databaseAnswers = Atomic<Bool>(false)
    private let draining = Atomic<Bool>(false)
    private let database: ReadConnections
    private let dispatcher: any Dispatcher
    private let interval: Duration
    private let logger: Logger

    init(database: ReadConnections, dispatcher: any Dispatcher, interval: Duration = .seconds(2), logger: Logger) {
        self.database = database
        self.dispatcher = dispatcher
        self.interval = interval
        self.logger = logger
    }

    var isReady: Bool {
        databaseAnswers.load(ordering: .relaxed) && dispatcher.isConnected && !draining.load(ordering: .relaxed)
    }

    /// Why not ready, for the 503's body.
    var reason: String {
        if draining.load(ordering: .relaxed) { return "shutting down" }
        if !dispatcher.isConnected { return "not connected to the broker" }
        return "the database does not answer"
    }

    func run() async throws {
        try? await withGracefulShutdownHandler {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    await self.probe()
                    try await Task.sleep(for: self.interval)
                }
            }
        } onGracefulShutdown: {
            self.draining.store(true, ordering: .relaxed)
        }
    }

    func probe() async {
        let answered: Bool
        do {
            _ = try await database.withConnection { try await $0.query("SELECT 1", []) }
            answered = true
        } catch {
            answered = false
        }
        if databaseAnswers.exchange(answered, ordering: .relaxed) != answered {
            if answered { logger.info("database answers: ready") } else { logger.warning("database does not answer: not ready") }
        }
    }
}
