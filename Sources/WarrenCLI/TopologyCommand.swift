import ArgumentParser
import Foundation
import Topology

/// `warren topology`: validates, exports and (soon) declares the fleet's topology.
struct TopologyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology",
        abstract: "Validate, apply and export the fleet's topology.",
        subcommands: [
            TopologyCheckCommand.self, TopologyExportCommand.self, TopologyGraphCommand.self,
            TopologyPermissionsCommand.self, TopologyApplyCommand.self,
        ]
    )
}

/// Where the topology lives and which system to take; shared by every subcommand.
struct TopologyOptions: ParsableArguments {
    @Argument(help: "The topology directory, holding one folder per system.")
    var directory: String = "topology"

    @Option(help: "Only this system (a folder of the topology directory).")
    var system: String?

    /// Loads and validates; prints every problem and fails if there is one, so no export is
    /// ever made from a broken topology.
    func validFleet() throws -> Fleet {
        let (fleet, diagnostics) = try load()
        guard diagnostics.isEmpty else {
            TopologyOptions.print(diagnostics)
            throw ExitCode.failure
        }
        return fleet
    }

    /// The one system a command works on (`--system`, or the only one): each system is its
    /// own vhost and database, so an apply, a graph or an AsyncAPI document covers one.
    func validNamespace() throws -> Fleet {
        let fleet = try validFleet()
        do {
            return try fleet.namespace(system).fleet
        } catch {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode.failure
        }
    }

    func load() throws -> (Fleet, [Diagnostic]) {
        do {
            return try TopologyDirectory(directory).check(system: system)
        } catch let error as TopologyDirectory.ReadError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode.failure
        }
    }

    static func print(_ diagnostics: [Diagnostic]) {
        var text = diagnostics.map { "\($0.location): error: \($0.problem)\($0.fix.map { "\n    fix: \($0)" } ?? "")" }.joined(separator: "\n")
        text += "\n\(diagnostics.count) problem\(diagnostics.count == 1 ? "" : "s") found.\n"
        FileHandle.standardError.write(Data(text.utf8))
    }
}

struct TopologyCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate every system: prints every problem and exits non-zero if there is any."
    )

    @OptionGroup var options: TopologyOptions

    func run() throws {
        let fleet = try options.validFleet()
        for system in fleet.systems {
            let contexts = system.contexts
            let messages = contexts.reduce(0) { $0 + $1.messages.count }
            let rpcs = contexts.reduce(0) { $0 + $1.rpcs.count }
            let queues = contexts.reduce(0) { $0 + $1.queues.count }
            let exchanges = contexts.reduce(0) { $0 + $1.exchanges.count }
            let routes = system.gateway?.routes.count ?? 0
            Swift.print("\(system.name): OK - \(contexts.count) contexts, \(messages) message types, \(rpcs) RPCs, \(exchanges) exchanges, \(queues) queues, \(routes) routes")
        }
    }
}

struct TopologyExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Print the topology as RabbitMQ definitions, an AsyncAPI 3.0 document or a Mermaid graph."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case rabbitmqDefinitions = "rabbitmq-definitions"
        case asyncapi
        case mermaid
    }

    @Option(help: "rabbitmq-definitions, asyncapi or mermaid.")
    var format: Format

    @OptionGroup var options: TopologyOptions

    func run() throws {
        switch format {
        case .rabbitmqDefinitions: Swift.print(RabbitMQDefinitions.json(for: try options.validFleet()))
        case .asyncapi:
            let namespace = try options.validNamespace()
            Swift.print(AsyncAPIDocument.json(for: namespace, title: "Warren \(namespace.systems[0].name)"))
        case .mermaid: Swift.print(MermaidGraph.text(for: try options.validNamespace()), terminator: "")
        }
    }
}

struct TopologyGraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print a Mermaid graph of contexts, exchanges, queues and RPC edges."
    )

    @OptionGroup var options: TopologyOptions

    func run() throws {
        Swift.print(MermaidGraph.text(for: try options.validNamespace()), terminator: "")
    }
}
