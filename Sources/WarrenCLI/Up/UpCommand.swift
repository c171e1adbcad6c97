import ArgumentParser
import Dispatch
import Foundation
import Warren

/// `warren up [SYSTEM]`: a whole system on one machine, without Docker.
struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Run a whole system here: servers, topology, one worker per context and the ingress, logs labelled per process.",
        discussion: """
        Starts the local RabbitMQ and PostgreSQL with scripts/servers (a no-op when they run) and \
        runs the system in a vhost and a database named after it (--no-servers uses $AMQP_URL and \
        $DATABASE_URL as given instead), applies the system's topology, then \
        runs `warren worker CONTEXT` for each context (a context in another language, such as \
        storage's Python customer, runs the program its system declares, with the same environment) \
        and `warren ingress SYSTEM` when this binary \
        has it, prefixing every line with the process's name. A process that exits is restarted \
        after 1 s, doubling up to 30 s while it keeps failing. SIGTERM or Ctrl-C stops every \
        process gracefully (a second one kills them). Worker N (from 0, in start order) serves \
        /livez, /readyz and /metrics on --health-port + N. paymethod's PAYMETHOD_HASH_KEY, when \
        unset, is a development key kept in .local/paymethod-hash-key.
        """
    )

    @Argument(help: "The system to run, or `all`: every system, each in its own vhost and database, their ingresses on consecutive ports.")
    var system = "cleaning"

    @Option(help: "The topology directory.")
    var topology = "topology"

    @Flag(help: "Do not start the local servers; use $AMQP_URL and $DATABASE_URL.")
    var noServers = false

    @Option(help: "The first worker's health port; 0 turns the health servers off.")
    var healthPort = 9100

    @Option(help: "The ingress's HTTP port (default: $INGRESS_PORT, else 8080); with all, the first system's, the next ones counting up.")
    var ingressPort: Int?

    @Option(name: .customLong("scale"), help: "CONTEXT=N runs N replicas of a context (repeatable), e.g. --scale payment=3; with all, SYSTEM/CONTEXT=N.")
    var scales: [String] = []

    func run() async throws {
        let systems: [ContextCatalog.System]
        if system == "all" {
            systems = ContextCatalog.systems.filter { !$0.contexts.isEmpty }
        } else if let one = ContextCatalog.system(named: system) {
            systems = [one]
        } else {
            throw ValidationError("unknown system `\(self.system)`; known: \(ContextCatalog.systems.map(\.name).joined(separator: ", ")), or all")
        }
        if noServers, systems.count > 1 {
            throw ValidationError("`warren up all` gives each system a vhost and a database of its own on the local servers: it cannot take --no-servers")
        }
        let several = systems.count > 1
        let replicas = try parseScales(known: systems.flatMap { system in Self.contexts(of: system).map { several ? "\(system.name)/\($0)" : $0 } })
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let hasIngress = Warren.configuration.subcommands.contains { $0.configuration.commandName == "ingress" }
        var environment = ProcessInfo.processInfo.environment
        environment["TOPOLOGY_DIR"] = topology
        let firstIngressPort = ingressPort ?? environment["INGRESS_PORT"].flatMap { Int($0) } ?? 8080

        // Each system: its workers (labelled `hotel/payment` when several run) and its ingress,
        // on consecutive ingress ports from the first.
        var plans: [(system: ContextCatalog.System, children: [Supervisor.Child], ingressPort: Int)] = []
        var healthIndex = 0
        for (index, system) in systems.enumerated() {
            var children: [Supervisor.Child] = []
            for context in Self.contexts(of: system) {
                let label = several ? "\(system.name)/\(context)" : context
                let count = replicas[label] ?? 1
                // A context in another language runs its own program, with the same environment.
                let program = try Self.externalWorker(of: system, context: context).map(Self.program)
                for replica in 1...count {
                    var childEnvironment = environment
                    childEnvironment["HEALTH_PORT"] = healthPort == 0 ? "0" : "\(healthPort + healthIndex)"
                    healthIndex += 1
                    children.append(Supervisor.Child(name: count == 1 ? label : "\(label).\(replica)",
                                                     executable: program?.executable ?? executable,
                                                     arguments: program?.arguments ?? ["worker", "\(system.name)/\(context)"],
                                                     environment: childEnvironment))
                }
            }
            let port = firstIngressPort + index
            if hasIngress {
                var ingressEnvironment = environment
                ingressEnvironment["INGRESS_PORT"] = "\(port)"
                children.append(Supervisor.Child(name: several ? "\(system.name)/ingress" : "ingress", executable: executable,
                                                 arguments: ["ingress", system.name], environment: ingressEnvironment))
            }
            plans.append((system, children, port))
        }
        let applyNames = several ? systems.map { "\($0.name)/topology" } : ["topology"]
        let output = LabelledOutput(names: ["servers", "up"] + applyNames + plans.flatMap { $0.children.map(\.name) })
        let supervisor = Supervisor(output: output)

        if noServers {
            for name in ["AMQP_URL", "DATABASE_URL"] where environment[name] == nil {
                throw ValidationError("--no-servers needs \(name)")
            }
        } else {
            try await startServers(&environment, supervisor: supervisor)
        }
        if environment["PAYMETHOD_HASH_KEY"] == nil, systems.contains(where: { $0.contexts.contains("paymethod") }) {
            environment["PAYMETHOD_HASH_KEY"] = try developmentHashKey()
            output.note("up", "PAYMETHOD_HASH_KEY is not set: using the development key in .local/paymethod-hash-key")
        }

        var children: [Supervisor.Child] = []
        for plan in plans {
            // Each system in a vhost and a database named after it, on the local servers.
            var systemEnvironment = environment
            if !noServers {
                try await SystemNamespace.prepare(system: plan.system.name, environment: &systemEnvironment)
                output.note("up", "\(plan.system.name) runs in the vhost `\(plan.system.name)` and the database `\(plan.system.name)`")
            }
            // The ingress reads views as the read-only role: READ_DATABASE_URL when given (one
            // system only), else the `warren_reader` URL of the servers scripts/servers started
            // (it creates that role); with --no-servers and neither, DATABASE_URL itself.
            let given = several ? nil : systemEnvironment["READ_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
            let readDatabaseURL = given ?? (noServers ? nil : systemEnvironment["WARREN_READER_DATABASE_URL"])
            for var child in plan.children {
                child.environment.merge(systemEnvironment) { child, _ in child }
                for name in ["AMQP_URL", "DATABASE_URL", "RABBITMQ_MANAGEMENT_URL", "PAYMETHOD_HASH_KEY"] {
                    child.environment[name] = systemEnvironment[name]
                }
                if child.arguments.first == "ingress", let readDatabaseURL {
                    child.environment["READ_DATABASE_URL"] = readDatabaseURL
                }
                children.append(child)
            }
            let apply = Supervisor.Child(name: several ? "\(plan.system.name)/topology" : "topology", executable: executable,
                                         arguments: ["topology", "apply", "--system", plan.system.name, topology], environment: systemEnvironment)
            guard let applied = await supervisor.runOnce(apply), applied.succeeded else {
                output.note("up", "the topology of \(plan.system.name) could not be applied: nothing started")
                throw ExitCode.failure
            }
        }
        if !hasIngress {
            output.note("up", "this binary has no `ingress` command yet: running the workers only")
        }
        output.note("up", "starting \(children.map(\.name).joined(separator: ", ")); Ctrl-C stops them")
        if hasIngress {
            for plan in plans {
                output.note("up", "\(several ? "\(plan.system.name): " : "")the ingress will answer on http://127.0.0.1:\(plan.ingressPort)/ (routes: /openapi.json)")
            }
        }

        let signals = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { supervisor.stop() }
            source.resume()
            return source
        }
        await supervisor.run(children)
        for source in signals { source.cancel() }
        output.note("up", "every process stopped")
    }

    /// The system's contexts in start order: its Swift contexts (a context also listed as an
    /// external worker keeps its place), then its other external workers.
    static func contexts(of system: ContextCatalog.System) -> [String] {
        let external = externalWorkers(of: system).map(\.context)
        return system.contexts + external.filter { !system.contexts.contains($0) }
    }

    /// What the system declares through `ExternalWorkers` (docs/writing-a-worker-in-another-language.md).
    static func externalWorkers(of system: ContextCatalog.System) -> [ExternalWorker] {
        let type = registeredSystems.first { $0.name == system.name }
        return (type as? any ExternalWorkers.Type)?.externalWorkers ?? []
    }

    static func externalWorker(of system: ContextCatalog.System, context: String) -> ExternalWorker? {
        externalWorkers(of: system).first { $0.context == context }
    }

    /// The external worker's program, checked before anything starts: its path is relative to the
    /// repository, where `warren up` runs.
    static func program(_ worker: ExternalWorker) throws -> (executable: URL, arguments: [String]) {
        let path = worker.command[0]
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw ValidationError("\(worker.context) runs \(path), which is not an executable file here: run `warren up` from the repository")
        }
        return (URL(fileURLWithPath: path), Array(worker.command.dropFirst()))
    }

    private func parseScales(known: [String]) throws -> [String: Int] {
        var replicas: [String: Int] = [:]
        for scale in scales {
            let parts = scale.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, known.contains(parts[0]), let count = Int(parts[1]), (1...16).contains(count) else {
                throw ValidationError("--scale takes CONTEXT=N with N in 1...16 and CONTEXT one of \(known.joined(separator: ", ")); got `\(scale)`")
            }
            replicas[parts[0]] = count
        }
        return replicas
    }

    /// `scripts/servers start`, then the URLs of `scripts/servers env` into `environment`.
    private func startServers(_ environment: inout [String: String], supervisor: Supervisor) async throws {
        let script = URL(fileURLWithPath: "scripts/servers")
        guard FileManager.default.isExecutableFile(atPath: script.path) else {
            throw ValidationError("scripts/servers not found: run `warren up` from the repository, or pass --no-servers with AMQP_URL and DATABASE_URL")
        }
        let start = Supervisor.Child(name: "servers", executable: script, arguments: ["start"], environment: environment)
        guard let started = await supervisor.runOnce(start), started.succeeded else {
            supervisor.output.note("up", "the servers did not start (see above)")
            throw ExitCode.failure
        }
        let process = Process()
        process.executableURL = script
        process.arguments = ["env"]
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        for line in text.split(separator: "\n") where line.hasPrefix("export ") {
            let assignment = line.dropFirst("export ".count)
            guard let equals = assignment.firstIndex(of: "=") else { continue }
            var value = assignment[assignment.index(after: equals)...]
            if value.hasPrefix("'"), value.hasSuffix("'"), value.count >= 2 { value = value.dropFirst().dropLast() }
            environment[String(assignment[..<equals])] = String(value)
        }
    }

    /// A random key made once and kept in .local/ (which git ignores), so card hashes stay
    /// comparable from one `warren up` to the next.
    private func developmentHashKey() throws -> String {
        let path = ".local/paymethod-hash-key"
        if let key = try? String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), key.count >= 16 {
            return key
        }
        var generator = SystemRandomNumberGenerator()
        let key = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        try FileManager.default.createDirectory(atPath: ".local", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: path, contents: Data((key + "\n").utf8), attributes: [.posixPermissions: 0o600])
        return key
    }
}
