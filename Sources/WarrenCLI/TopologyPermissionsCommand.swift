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

    @Flag(help: "Print the grants as JSON (user, context, configure, write, read).")
    var json = false

    func run() throws {
        if apply {
            throw NotImplemented("`warren topology permissions --apply` is not implemented yet: it needs the RabbitMQ client, which is being written. Meanwhile run the commands `--rabbitmqctl` prints.")
        }
        let fleet = try options.validFleet()
        let grants = Permissions.grants(for: fleet)
        if json {
            let objects: [JSON] = grants.map { grant in
                ["user": .string(grant.user), "context": grant.context.map(JSON.string) ?? .null,
                 "configure": .string(grant.configure), "write": .string(grant.write), "read": .string(grant.read)]
            }
            print(JSON.array(objects).rendered())
            return
        }
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
        throw NotImplemented("`warren topology apply` is not implemented yet: it needs the RabbitMQ client, which is being written. Meanwhile: `warren topology export --format rabbitmq-definitions > defs.json && rabbitmqctl import_definitions defs.json`.")
    }
}

/// A command that exists in the interface but not yet in the code: says so and exits 2.
struct NotImplemented: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
