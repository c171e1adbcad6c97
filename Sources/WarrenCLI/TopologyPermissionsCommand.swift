import ArgumentParser
import Topology

/// `warren topology permissions`: the least-privilege broker user of every context.
struct TopologyPermissionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "permissions",
        abstract: "Print each context's broker user with its configure/write/read patterns."
    )

    @OptionGroup var options: TopologyOptions

    @Flag(help: "Create the users and set their permissions on the broker (not implemented yet).")
    var apply = false

    @Flag(help: "Print `rabbitmqctl set_permissions` commands instead of a table.")
    var rabbitmqctl = false

    func run() throws {
        if apply {
            throw ValidationError("`--apply` is not implemented yet: it needs the RabbitMQ client (being written). Use `--rabbitmqctl` and run the printed commands meanwhile.")
        }
        let fleet = try options.validFleet()
        let grants = Permissions.grants(for: fleet)
        if rabbitmqctl {
            for grant in grants {
                print("rabbitmqctl set_permissions -p / \(shellQuoted(grant.user)) \(shellQuoted(grant.configure)) \(shellQuoted(grant.write)) \(shellQuoted(grant.read))")
            }
            return
        }
        for grant in grants {
            print("""
            \(grant.user)
              configure: \(grant.configure)
              write:     \(grant.write)
              read:      \(grant.read)
            """)
        }
    }

    private func shellQuoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}

/// `warren topology apply`: declares the topology on a broker. A stub until the client lands.
struct TopologyApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Declare the topology on a broker (not implemented yet)."
    )

    @Option(help: "amqp://user:password@host:port/vhost")
    var url: String?

    @OptionGroup var options: TopologyOptions

    func run() throws {
        // TODO: diff against the broker (management API or passive declares), then declare,
        // once the RabbitMQ client lands. `Queue.arguments` is the one source of declare args.
        throw ValidationError("`warren topology apply` is not implemented yet: it needs the RabbitMQ client (being written). Meanwhile: `warren topology export --format rabbitmq-definitions > defs.json && rabbitmqctl import_definitions defs.json`.")
    }
}
