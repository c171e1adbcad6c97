import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// The worker's HTTP side: `/livez`, `/readyz` and Prometheus `/metrics` on its own port.
///
/// A Hummingbird `Application`, run as one `Service` of the worker's group; it is listed before
/// the worker, so on SIGTERM it stops after the worker has drained and keeps answering
/// `/readyz` with 503 meanwhile.
public struct HealthServer: Service {
    let application: Application<RouterResponder<BasicRequestContext>>

    /// - Parameters:
    ///   - livenessTolerance: seconds the worker's heartbeat may be late before `/livez` fails.
    ///   - onListening: called with the bound port once the server accepts connections (port 0
    ///     picks a free one, for tests).
    public init(state: WorkerState, registry: PrometheusCollectorRegistry, host: String = "0.0.0.0", port: Int,
                livenessTolerance: Int64 = 30, logger: Logger,
                onListening: @escaping @Sendable (Int) async -> Void = { _ in }) {
        application = Application(
            router: Self.router(state: state, registry: registry, livenessTolerance: livenessTolerance),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "warren"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    public func run() async throws {
        try await application.run()
    }

    static func router(state: WorkerState, registry: PrometheusCollectorRegistry, livenessTolerance: Int64) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("livez") { _, _ -> Response in
            guard let reason = state.wedged(tolerance: livenessTolerance) else { return json(.ok, #"{"alive":true}"#) }
            return json(.serviceUnavailable, #"{"alive":false,"reason":\#(quoted(reason))}"#)
        }
        router.get("readyz") { _, _ -> Response in
            state.isReady
                ? json(.ok, #"{"ready":true}"#)
                : json(.serviceUnavailable, #"{"ready":false,"reason":\#(quoted(state.reason))}"#)
        }
        router.get("metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        return router
    }

    private static func quoted(_ text: String) -> String {
        String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }

    private static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
