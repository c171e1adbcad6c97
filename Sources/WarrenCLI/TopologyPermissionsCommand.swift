import ArgumentParser
import BrokerAdmin
import Foundation
import Topology

/// `warren topology permissions`: the least-privilege broker user of every context.
struct TopologyPermissionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "permissions",
        abstract: "Print each context's broker user with its configure/write/read patterns, or create them (--apply).",
        discussion: """
        With --apply, creates each user through the management API and sets its permissions on
        the vhost. A user's password comes from WARREN_<CONTEXT>_PASSWORD (the ingress's from
        WARREN_<SYSTEM>_INGRESS_PASSWORD), in the environment or in --passwords-file (NAME=value
        lines, compose's env_file format). A new user without one gets a generated password,
        printed once on stdout as NAME=value (or appended to --passwords-file). An existing user
        without one keeps its password. Running it again changes nothing else.
        """
    )

    @OptionGroup var options: TopologyOptions

    @Flag(help: "Create the users and set their permissions on the broker, through the management API.")
    var apply = false

    @Option(help: "The management API for --apply (default: $RABBITMQ_MANAGEMENT_URL, else http://guest:guest@127.0.0.1:15672).")
    var managementURL: String?

    @Option(help: "The vhost the permissions are for.")
    var vhost: String = "/"

    @Option(help: "A NAME=value file with the users' passwords (WARREN_<CONTEXT>_PASSWORD=...); generated ones are appended.")
    var passwordsFile: String?

    @Option(help: "Put this before every user name (several fleets on one broker).")
    var userPrefix: String = ""

    @Flag(help: "Print `rabbitmqctl set_permissions` commands instead of a table.")
    var rabbitmqctl = false

    @Flag(help: "Print the grants as JSON (user, context, configure, write, read).")
    var json = false

    func run() async throws {
        if apply {
            // Users get permissions on one vhost, and each system has its own.
            try await applyGrants(Permissions.grants(for: try options.validNamespace()))
            return
        }
        let grants = Permissions.grants(for: try options.validFleet())
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
                print("rabbitmqctl set_permissions -p \(shellQuoted(vhost)) \(shellQuoted(grant.user)) \(shellQuoted(grant.configure)) \(shellQuoted(grant.write)) \(shellQuoted(grant.read))")
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

    private func applyGrants(_ grants: [Grant]) async throws {
        let environment = ProcessInfo.processInfo.environment
        let url = managementURL ?? environment["RABBITMQ_MANAGEMENT_URL"] ?? "http://guest:guest@127.0.0.1:15672"
        let options = UserProvisioning.Options(managementURL: url, virtualHost: vhost, userPrefix: userPrefix,
                                               environment: environment, passwordsFile: passwordsFile)
        let users: [UserProvisioning.User]
        do {
            users = try await UserProvisioning.apply(grants, options: options) { line in
                FileHandle.standardError.write(Data("\(line)\n".utf8))
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        // Generated passwords go to stdout once, as env lines: `... --apply >> warren.env`.
        if passwordsFile == nil {
            for user in users {
                if case .generated(let password) = user.password { print("\(user.variable)=\(password)") }
            }
        }
    }

    private func shellQuoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
