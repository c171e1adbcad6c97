import Foundation
import Logging

/// A connection to a RabbitMQ broker, served by a thread of its own.
///
/// Open channels on it for declarations, publishing and consuming; DESIGN.md asks for separate
/// connections for publishing and consuming so a blocked publisher never stalls deliveries.
/// Call `close()` when done: the thread ends with the connection.
public final class Connection: Sendable {
    let core: ConnectionCore

    public var configuration: Configuration { core.configuration }
    /// The broker's `server-properties` (product, version, capabilities).
    public var serverProperties: FieldTable { core.serverProperties }
    /// The heartbeat interval agreed with the broker, in seconds; 0 when disabled.
    public var heartbeat: Int { core.heartbeat }
    public var frameMax: Int { core.negotiatedFrameMax }
    /// False once the connection has ended, for whatever reason.
    public var isOpen: Bool { !core.isTerminated }

    /// The connection's thread as a task executor. A consuming loop run under
    /// `withTaskExecutorPreference(connection.taskExecutor) { ... }` receives its deliveries and
    /// sends its acks on that thread, with no thread switch per batch or per ack: one thread does
    /// the work of two, as a single-threaded C consumer does. Only for short, non-blocking code
    /// (e.g. handing each delivery on to other tasks): while it runs, the connection reads no
    /// frames and sends no heartbeats; `await` freely, it frees the thread.
    @available(macOS 15, iOS 18, tvOS 18, watchOS 11, *)
    public var taskExecutor: any TaskExecutor { core }

    private init(core: ConnectionCore) {
        self.core = core
    }

    /// Connects and logs in; throws `.connectionFailed` or `.accessRefused` with the reason.
    public static func connect(_ configuration: Configuration, logger: Logger = Logger(label: "warren.rabbitmq")) async throws -> Connection {
        guard !configuration.alternates.isEmpty else {
            return Connection(core: try await ConnectionCore.connect(configuration, logger: logger))
        }
        // A cluster: the node that last worked first, then the others in their order.
        var failures: [String] = []
        for endpoint in ClusterEndpoints.tryOrder(configuration.endpoints) {
            do {
                let connection = Connection(core: try await ConnectionCore.connect(configuration.at(endpoint), logger: logger))
                ClusterEndpoints.worked(endpoint, in: configuration.endpoints)
                if !failures.isEmpty {
                    logger.info("connected to another node of the cluster", metadata: ["node": "\(endpoint)", "unreachable": "\(failures.joined(separator: "; "))"])
                }
                return connection
            } catch let error as RabbitMQError where error.code == .accessRefused {
                throw error // the same credentials on every node: no other node would take them
            } catch {
                failures.append("\(endpoint): \(error)")
            }
        }
        throw RabbitMQError(.connectionFailed, "no node of the cluster answered: \(failures.joined(separator: "; "))")
    }

    public static func connect(url: String, logger: Logger = Logger(label: "warren.rabbitmq")) async throws -> Connection {
        try await connect(Configuration(url: url), logger: logger)
    }

    public func openChannel() async throws -> Channel {
        try await core.perform { core, promise in core.openChannel(promise) }
    }

    /// Opens a channel, runs `body` with it and closes it whatever happens.
    public func withChannel<Value: Sendable>(_ body: (Channel) async throws -> Value) async throws -> Value {
        let channel = try await openChannel()
        do {
            let value = try await body(channel)
            try? await channel.close()
            return value
        } catch {
            try? await channel.close()
            throw error
        }
    }

    /// Closes the connection cleanly (connection.close, then close-ok) and ends its thread.
    public func close() async throws {
        try await core.perform { core, promise in core.closeConnection(promise) }
    }

    /// Waits until the connection ends; returns why, or nil when `close()` ended it.
    ///
    /// A worker awaits this to notice a lost broker (socket error, heartbeat timeout,
    /// connection.close on broker shutdown) and reconnect.
    public func closed() async -> RabbitMQError? {
        await core.waitForTermination()
    }
}
