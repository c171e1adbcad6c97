import ArgumentParser
import BrokerAdmin
import Foundation
import RabbitMQ
import Topology

/// How every operator command reaches the fleet: the broker, its management API, the system's
/// database and the topology, from options or from the same environment variables the workers
/// and the ingress read. One group, so `send`, `tail`, `dead` and `trace` connect alike and a
/// missing or malformed setting is named the same way everywhere.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "The broker: amqp://user:password@host:port/vhost, a cluster's URLs comma-separated (default: $AMQP_URL).")
    var url: String?

    @Option(help: "The management API: http://user:password@host:15672 (default: $RABBITMQ_MANAGEMENT_URL, else the broker's host on 15672).")
    var managementURL: String?

    @Option(help: "The system's database: postgres://user:password@host:5432/system (default: $DATABASE_URL).")
    var databaseURL: String?

    @Option(help: "The topology directory (default: $TOPOLOGY_DIR, else topology).")
    var topology: String?

    @Option(help: "The system (default: the only one in the topology).")
    var system: String?

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// On the local servers (`eval "$(scripts/servers env)"` exports WARREN_SERVERS), `warren up S`
    /// runs system S in the vhost S and the database S: `--system S` then means those, so a
    /// command reaches the system `warren up` started. An explicit --url or --database-url wins.
    func onLocalServers(_ url: String) -> String {
        guard let system, environment["WARREN_SERVERS"] != nil else { return url }
        return SystemNamespace.replacingPath(of: url, with: system)
    }

    /// The broker's configuration, or a problem naming the variable and an example.
    func broker(connectionName: String) throws -> RabbitMQ.Configuration {
        guard let url = url ?? environment["AMQP_URL"].flatMap({ $0.isEmpty ? nil : onLocalServers($0) }) else {
            throw ValidationError("no broker: set AMQP_URL (e.g. export AMQP_URL='amqp://guest:guest@127.0.0.1:5672/%2f') or pass --url")
        }
        do {
            var configuration = try RabbitMQ.Configuration(url: url)
            configuration.options.connectionName = connectionName
            return configuration
        } catch {
            throw ValidationError("\(self.url == nil ? "AMQP_URL" : "--url") is not a broker URL (\(error.message)); e.g. amqp://guest:guest@127.0.0.1:5672/%2f")
        }
    }

    func management(for broker: RabbitMQ.Configuration) throws -> ManagementAPI {
        let url = managementURL ?? ManagementAPI.defaultURL(for: broker, environment: environment)
        do { return try ManagementAPI(url: url) } catch {
            throw ValidationError("\(managementURL == nil ? "RABBITMQ_MANAGEMENT_URL" : "--management-url") is not a management URL (\(error.message)); e.g. http://guest:guest@127.0.0.1:15672")
        }
    }

    func database() throws -> String {
        guard let url = databaseURL ?? environment["DATABASE_URL"].flatMap({ $0.isEmpty ? nil : onLocalServers($0) }) else {
            throw ValidationError("no database: set DATABASE_URL (e.g. export DATABASE_URL='postgres://warren:warren@127.0.0.1:5432/hotel', the system's database) or pass --database-url")
        }
        return url
    }

    var topologyDirectory: String { topology ?? environment["TOPOLOGY_DIR"] ?? "topology" }

    /// Every system of the topology, checked: problems are printed and end the command.
    func fleet() throws -> Fleet {
        let (fleet, diagnostics): (Fleet, [Diagnostic])
        do { (fleet, diagnostics) = try TopologyDirectory(topologyDirectory).check(system: system) } catch {
            throw ValidationError("\(error)")
        }
        guard diagnostics.isEmpty else {
            TopologyOptions.print(diagnostics)
            throw ExitCode.failure
        }
        return fleet
    }

    /// The one system the command works on: `--system`, or the only one.
    func namespace() throws -> Topology.System {
        do { return try fleet().namespace(system) } catch let problem as NamespaceProblem {
            throw ValidationError(problem.description)
        }
    }
}
