import Foundation
import Hummingbird
import Logging
import NIOCore
import Postgres
import RabbitMQ
import ServiceLifecycle
import Topology
import Warren

/// Puts the ingress of one system together, the way Hummingbird's template `buildApplication`
/// does: `warren ingress` and the tests both call it, so what runs is what was tested.
public enum IngressApplication {
    /// The topology is wrong or has no gateway for the system: the message lists every problem.
    public struct TopologyProblem: Error, CustomStringConvertible {
        public let description: String
    }

    /// The ingress of `system` in a `ServiceGroup` that shuts down gracefully on SIGTERM or
    /// SIGINT: in-flight requests finish, `/readyz` turns 503, the read connections close.
    ///
    /// Reads the environment only (`IngressConfiguration.fromEnvironment`, `LOG_FORMAT`,
    /// `LOG_LEVEL`, `RPC_BREAKER_*`). `dispatcher` publishes commands and calls RPCs; nil makes
    /// an `RPCClient` on `AMQP_URL`, run as a service of the group (the last to stop, so requests
    /// in flight get their answers). `onListening` gets the bound port (`INGRESS_PORT=0` picks a free one).
    public static func build(system: String, dispatcher: (any Dispatcher)? = nil,
                             environment: [String: String] = ProcessInfo.processInfo.environment,
                             logOutput: LogOutput = .standardError,
                             onListening: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> ServiceGroup {
        let logging = try LoggingConfiguration.fromEnvironment(environment)
        let configuration = try IngressConfiguration.fromEnvironment(environment)
        var logger = logging.logger(label: "warren.ingress", output: logOutput)
        logger[metadataKey: "system"] = "\(system)"
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        let dispatcher = try dispatcher ?? {
            var rpc = RPCClient.Configuration(amqp: try Configuration(url: configuration.amqpURL))
            rpc.breaker = try CircuitBreaker.Settings.fromEnvironment(environment)
            let client = RPCClient(configuration: rpc, fleet: try fleet(system: system, configuration: configuration),
                                   caller: "ingress", logger: logger)
            services.append(.init(service: client))
            return client
        }()
        let application = try application(system: system, configuration: configuration, dispatcher: dispatcher,
                                          logger: logger, onListening: onListening)
        services.append(.init(service: application))
        return ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    }

    private static func fleet(system: String, configuration: IngressConfiguration) throws -> Fleet {
        try TopologyDirectory(configuration.topologyDirectory).check(system: system).0
    }

    /// The Hummingbird application alone, with its read connections and readiness probe as
    /// its services (tests run it with HummingbirdTesting).
    static func application(system: String, configuration: IngressConfiguration, dispatcher: any Dispatcher, logger: Logger,
                            onListening: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> Application<IngressResponder> {
        let (fleet, problems) = try TopologyDirectory(configuration.topologyDirectory).check(system: system)
        guard problems.isEmpty else {
            throw TopologyProblem(description: "the topology has problems (`warren topology check` lists them):\n"
                                  + problems.map { "  \($0)" }.joined(separator: "\n"))
        }
        guard let gateway = fleet.system(named: system)?.gateway else {
            throw TopologyProblem(description: "system `\(system)` has no gateway.yaml under \(configuration.topologyDirectory)/\(system)")
        }
        let database = ReadConnections(configuration: try PostgresConfiguration(url: configuration.readDatabaseURL),
                                       limit: configuration.readConnections, logger: logger)
        let readiness = Readiness(database: database, dispatcher: dispatcher, logger: logger)
        let resolved = try GatewayResolution(gateway: gateway, fleet: fleet, configuration: configuration,
                                             dispatcher: dispatcher, database: database, logger: logger)
        let document = OpenAPIDocument(system: system, fleet: fleet, routes: gateway.routes).json.text
        let responder = IngressResponder(
            routes: resolved.table, openAPI: ByteBuffer(string: document), profile: Profile(views: resolved.views),
            readiness: readiness, registry: PrometheusExport.registry, logger: logger)
        return Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "warren"),
            services: [database, readiness],
            onServerRunning: { channel in
                logger.info("ingress listening", metadata: ["port": "\(channel.localAddress?.port ?? configuration.port)"])
                await onListening(channel.localAddress?.port ?? configuration.port)
            },
            logger: logger)
    }
}

/// The route table of a gateway: each route of gateway.yaml with its resolved target, and the
/// ingress's own paths beside them (which a gateway route may not take).
struct GatewayResolution {
    static let reservedPrefixes = ["livez", "readyz", "metrics", "openapi.json", "outcomes", "profile"]

    var table = RouteTable<Target>()
    var views: [View] = []

    init(gateway: Gateway, fleet: Fleet, configuration: IngressConfiguration, dispatcher: any Dispatcher,
         database: ReadConnections, logger: Logger) throws {
        func view(_ qualified: String) -> View? {
            Naming.split(qualified).flatMap { fleet.context(named: $0.0)?.view($0.1) }
        }
        /// GET routes that read one row of a view by its key.
        let itemRoutes: [(template: PathTemplate, view: View)] = gateway.routes.compactMap { route in
            guard route.method == .GET, case .view(let name) = route.target, let view = view(name),
                  let key = view.key, route.pathParameters.last == key else { return nil }
            return (PathTemplate(route.path), view)
        }
        func shape(_ template: PathTemplate) -> [String?] {
            template.segments.map { if case .literal(let text) = $0 { text } else { nil } }
        }

        var commandLinks: [String: (links: ResourceLinks, path: String)] = [:]
        for route in gateway.routes {
            let template = PathTemplate(route.path)
            if case .literal(let first)? = template.segments.first, Self.reservedPrefixes.contains(first) {
                throw IngressApplication.TopologyProblem(
                    description: "\(route.location): route \(route.path) takes a path the ingress serves itself (/\(first)); choose another")
            }
            let target: Target
            switch route.target {
            case .command(let type):
                guard let message = fleet.message(type) else { continue }
                let created = itemRoutes.first { shape($0.template).dropLast() == shape(template)[...] && shape($0.template).count == template.segments.count + 1 }
                let same = itemRoutes.first { shape($0.template) == shape(template) }
                let links = ResourceLinks(itemTemplate: (created ?? same)?.template,
                                          relation: ((created ?? same)?.view.name).map(SQLName.singular),
                                          requestPathIsResource: same != nil)
                commandLinks[type] = (links, template.expand([:]))
                target = .command(CommandRoute(
                    message: message, wait: route.timeout.map { .milliseconds($0.milliseconds) } ?? configuration.commandTimeout,
                    links: links, dispatcher: dispatcher, maxBodyBytes: configuration.maxBodyBytes))
            case .rpc(let type):
                guard let rpc = fleet.rpc(type) else { continue }
                target = .rpc(RPCRoute(endpoint: rpc, deadline: (route.timeout ?? rpc.timeout).map { .milliseconds($0.milliseconds) },
                                       dispatcher: dispatcher, maxBodyBytes: configuration.maxBodyBytes))
            case .view(let name):
                guard let view = view(name) else { continue }
                if !views.contains(where: { $0.qualifiedName == view.qualifiedName }) { views.append(view) }
                let isItem = view.key != nil && route.pathParameters.last == view.key
                target = .view(ViewRoute(
                    view: view, mode: isItem ? .item(key: view.key!) : .collection,
                    itemTemplate: itemRoutes.first { $0.view.qualifiedName == view.qualifiedName }?.template,
                    database: database, maxPageSize: configuration.maxPageSize, logger: logger))
            }
            table.add(route.method.rawValue, route.path, target)
        }
        let commandContexts = Set(commandLinks.keys.compactMap { Naming.split($0)?.0 })
        if !commandContexts.isEmpty {
            table.add("GET", OutcomePoll.template, .outcome(OutcomePoll(contexts: commandContexts, links: commandLinks,
                                                                          database: database, logger: logger)))
        }
        table.add("GET", "/profile", .profileIndex)
        table.add("GET", "/profile/{collection}", .profile)
        table.add("GET", "/livez", .livez)
        table.add("GET", "/readyz", .readyz)
        table.add("GET", "/metrics", .metrics)
        table.add("GET", "/openapi.json", .openAPI)
    }
}
