import ArgumentParser
import Foundation
import Warren
import WarrenIngress

/// `warren ingress SYSTEM`: serves the HTTP routes of `topology/SYSTEM/gateway.yaml`.
struct IngressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingress",
        abstract: "Serve a system's HTTP gateway: requests become commands and RPC calls, GETs read views.",
        discussion: """
        Configured by the environment only (see docs/architecture.md, "Ingress configuration"). A missing or \
        malformed variable stops it at start with a message naming it (exit 2); a topology with \
        problems or without gateway.yaml exits 1. SIGTERM or SIGINT lets in-flight requests \
        finish, then exits 0.
        """
    )

    @Argument(help: "The system whose gateway.yaml to serve.")
    var system: String

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        do {
            try LoggingConfiguration.fromEnvironment(environment).bootstrap()
            let group = try IngressApplication.build(system: system, environment: environment)
            try await group.run()
        } catch let problem as IngressConfiguration.Problem {
            standardError("error: \(problem)")
            throw ExitCode(2)
        } catch let problem as WorkerConfiguration.Problem {
            standardError("error: \(problem)")
            throw ExitCode(2)
        } catch {
            standardError("error: \(error)")
            throw ExitCode.failure
        }
    }
}
