import ArgumentParser
import BrokerAdmin
import Foundation
import Topology

/// `warren topology apply`: compares the topology with the broker, prints the diff, and
/// declares what is missing unless something on the broker is inequivalent.
struct TopologyApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Declare every exchange, queue and binding of the topology, after comparing with the broker.",
        discussion: """
        Before declaring anything, compares with the broker through the management API (or, when
        it does not answer, passive declares) and prints a diff: `+` to declare, `!` inequivalent
        (both sides and the way out), `=` unchanged. Exits 1 without declaring anything when an
        object is inequivalent, or when the broker cannot be reached.
        """
    )

    @Option(help: "amqp://user:password@host:port/vhost (default: $AMQP_URL).")
    var url: String?

    @Option(help: "The management API (default: $RABBITMQ_MANAGEMENT_URL, else the AMQP URL's host and credentials on port 15672).")
    var managementURL: String?

    @Flag(help: "Compare through passive declares even when the management API answers.")
    var noManagement = false

    @Flag(help: "Print the plan, declare nothing.")
    var dryRun = false

    @OptionGroup var options: TopologyOptions

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let url = url ?? environment["AMQP_URL"] else {
            throw ValidationError("give the broker with --url amqp://user:password@host:port/vhost (or set AMQP_URL)")
        }
        let objects = BrokerObjects(fleet: try options.validNamespace())
        let applyOptions = TopologyApply.Options(amqpURL: url, managementURL: managementURL, dryRun: dryRun,
                                                 useManagementAPI: !noManagement, environment: environment)
        do {
            let report = try await TopologyApply.run(objects, options: applyOptions) { print($0) }
            if !report.succeeded { throw ExitCode.failure }
        } catch let error as ApplyError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
