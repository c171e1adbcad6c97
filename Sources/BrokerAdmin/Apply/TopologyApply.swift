import Foundation
import Logging
import RabbitMQ
import Topology

/// `warren topology apply`, as one function `main` and the tests both call: connect, plan by
/// comparing with the broker, print the diff, and declare only when nothing is inequivalent.
public enum TopologyApply {
    public struct Options: Sendable {
        public var amqpURL: String
        /// nil: `RABBITMQ_MANAGEMENT_URL`, else the AMQP URL's host and credentials on port 15672.
        public var managementURL: String?
        /// Plan and print, declare nothing.
        public var dryRun: Bool
        /// False: observe through passive declares even when the management API is there.
        public var useManagementAPI: Bool
        public var environment: [String: String]
        public var logger: Logger

        public init(amqpURL: String, managementURL: String? = nil, dryRun: Bool = false, useManagementAPI: Bool = true,
                    environment: [String: String] = ProcessInfo.processInfo.environment,
                    logger: Logger = Logger(label: "warren.topology.apply")) {
            self.amqpURL = amqpURL
            self.managementURL = managementURL
            self.dryRun = dryRun
            self.useManagementAPI = useManagementAPI
            self.environment = environment
            self.logger = logger
        }
    }

    public struct Report: Sendable {
        public enum Outcome: Sendable, Equatable {
            case noChange
            case declared(Int)
            case dryRun
            /// Something is inequivalent: nothing was declared.
            case refused
        }

        public var plan: Plan
        public var outcome: Outcome
        /// Everything printed, in order.
        public var lines: [String]
        public var succeeded: Bool { outcome != .refused }

        func with(lines: [String]) -> Report {
            var report = self
            report.lines = lines
            return report
        }
    }

    /// Runs apply for `objects`; `print` receives each output line as it is made.
    public static func run(_ objects: BrokerObjects, options: Options, print: (String) -> Void = { _ in }) async throws(ApplyError) -> Report {
        var lines: [String] = []
        func say(_ line: String) {
            lines.append(line)
            print(line)
        }

        let configuration: Configuration
        do {
            configuration = try Configuration(url: options.amqpURL)
        } catch {
            throw ApplyError(.invalidURL, "invalid AMQP URL: \(error.message)")
        }
        let connection: Connection
        do {
            connection = try await Connection.connect(configuration, logger: options.logger)
        } catch let error where !options.dryRun && options.useManagementAPI && "\(error)".contains("vhost") && "\(error)".contains("not found") {
            // Each system lives in a vhost of its own: the first apply of a system makes it.
            do {
                let api = try ManagementAPI(url: options.managementURL ?? ManagementAPI.defaultURL(for: configuration, environment: options.environment))
                try await api.putVirtualHost(configuration.virtualHost)
                try await api.putPermissions(vhost: configuration.virtualHost, user: configuration.user, configure: ".*", write: ".*", read: ".*")
                say("+ vhost \(configuration.virtualHost) (through the management API at \(api.displayURL)), \(configuration.user) allowed everything on it")
                connection = try await Connection.connect(configuration, logger: options.logger)
            } catch let second {
                throw ApplyError(.brokerUnreachable, "the vhost `\(configuration.virtualHost)` does not exist at \(configuration) and could not be created: \(second) (first: \(error))")
            }
        } catch {
            throw ApplyError(.brokerUnreachable, "cannot reach the broker at \(configuration): \(error)")
        }
        let result: Result<Report, ApplyError>
        do throws(ApplyError) {
            result = .success(try await run(objects, options: options, connection: connection, say: say))
        } catch {
            result = .failure(error)
        }
        try? await connection.close()
        return try result.get().with(lines: lines)
    }

    private static func run(_ objects: BrokerObjects, options: Options, connection: Connection, say: (String) -> Void) async throws(ApplyError) -> Report {
        let configuration = connection.configuration
        let vhost = configuration.virtualHost

        var plan: Plan?
        if options.useManagementAPI {
            let url = options.managementURL ?? ManagementAPI.defaultURL(for: configuration, environment: options.environment)
            do {
                let api = try ManagementAPI(url: url)
                plan = Plan.compare(objects, queues: try await api.queues(vhost: vhost), exchanges: try await api.exchanges(vhost: vhost),
                                    bindings: try await api.bindings(vhost: vhost), source: "the management API at \(api.displayURL)",
                                    virtualHost: vhost)
            } catch {
                say("note: \(error.message); comparing through passive declares instead")
            }
        }
        let observed: Plan
        do {
            if let plan {
                observed = plan
            } else {
                observed = try await DeclareInspection(connection: connection, virtualHost: vhost).plan(objects)
            }
        } catch {
            throw ApplyError(.brokerFailed, "comparing with the broker at \(configuration) failed: \(error)")
        }
        say("broker \(configuration), compared through \(observed.source)")
        observed.lines.forEach(say)

        if !observed.conflicts.isEmpty {
            say(observed.verdict)
            return Report(plan: observed, outcome: .refused, lines: [])
        }
        if options.dryRun {
            say("dry run: \(observed.verdict); nothing declared")
            return Report(plan: observed, outcome: .dryRun, lines: [])
        }
        do {
            try await declare(objects, plan: observed, on: connection)
        } catch {
            throw ApplyError(.brokerFailed, "declaring on \(configuration) failed after the plan found nothing inequivalent (did someone change the broker meanwhile?): \(error)")
        }
        if observed.isNoChange {
            say("no change")
            return Report(plan: observed, outcome: .noChange, lines: [])
        }
        say("declared \(observed.missing.count) object\(observed.missing.count == 1 ? "" : "s")")
        return Report(plan: observed, outcome: .declared(observed.missing.count), lines: [])
    }

    /// Declares what the plan found missing (and unobserved bindings again): exchanges, then
    /// queues, then bindings, so every binding's ends exist.
    static func declare(_ objects: BrokerObjects, plan: Plan, on connection: Connection) async throws {
        let toDeclare = Set(plan.entries.filter { $0.status == .missing || $0.status == .unobserved }.map { "\($0.kind) \($0.name)" })
        guard !toDeclare.isEmpty else { return }
        try await connection.withChannel { channel in
            for exchange in objects.exchanges where toDeclare.contains("exchange \(exchange.name)") {
                try await channel.declareExchange(exchange.name, type: ExchangeType(exchange.type), durable: exchange.durable,
                                                  autoDelete: exchange.autoDelete, internal: exchange.internal,
                                                  arguments: exchange.arguments.fieldTable)
            }
            for queue in objects.queues where toDeclare.contains("queue \(queue.name)") {
                try await channel.declareQueue(queue.name, durable: queue.durable, autoDelete: queue.autoDelete,
                                               arguments: queue.arguments.fieldTable)
            }
            for binding in objects.bindings where toDeclare.contains("binding \(Plan.name(binding))") {
                try await channel.bindQueue(binding.queue, exchange: binding.exchange, routingKey: binding.routingKey,
                                            arguments: binding.arguments.fieldTable)
            }
        }
    }
}

/// Why `apply` could not run at all (an inequivalent broker is not an error: it is a refused `Report`).
public struct ApplyError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        public static let invalidURL = Code(name: "invalid URL")
        public static let brokerUnreachable = Code(name: "broker unreachable")
        public static let brokerFailed = Code(name: "broker operation failed")
    }

    public var code: Code
    public var message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
