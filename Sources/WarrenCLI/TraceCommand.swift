import ArgumentParser
import BrokerAdmin
import Foundation
import RabbitMQ
import Topology
import WarrenTrace

/// `warren trace CORRELATION-ID`: one conversation across a system, from what the fleet keeps.
struct TraceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Show one conversation (a correlation id) across a system: every message handled, unsent, waiting or dead-lettered.",
        discussion: """
        The correlation id is the one the ingress returns in X-Correlation-Id (and `warren tail` \
        prints). Reads every context's inbox and outbox in DATABASE_URL (the system's database) \
        and, through RABBITMQ_MANAGEMENT_URL, the queues of AMQP_URL's vhost that nobody consumes \
        and the dead-letter queues (peeked messages are put back). --format text (a timeline, \
        then where the conversation stopped), mermaid (a sequence diagram) or html (one page). \
        Exit status 0 when every message was handled, 3 when the conversation stopped somewhere, \
        4 when nothing of it was found.
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, mermaid, html
    }

    @Argument(help: "The conversation's correlation id.")
    var correlationId: String

    @Option(help: "text, mermaid or html.")
    var format: Format = .text

    @Option(name: .customLong("sqlite"), help: ArgumentHelp(
        "CONTEXT=PATH: the SQLite file of a context whose store is embedded (default: CONTEXT.sqlite here, where its worker puts it).",
        valueName: "context=path"))
    var sqlite: [String] = []

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let databaseURL = try connection.database()
        let namespace = try connection.namespace()
        var management: ManagementAPI?
        var vhost = "/"
        if connection.url != nil || connection.environment["AMQP_URL"] != nil {
            let broker = try connection.broker(connectionName: "warren trace")
            vhost = broker.virtualHost
            management = try connection.management(for: broker)
        } else {
            standardError("note: no AMQP_URL: queues and dead letters are not looked into")
        }
        var reader = ConversationReader(system: namespace, databaseURL: databaseURL, management: management, vhost: vhost)
        for entry in sqlite {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, namespace.contexts.contains(where: { $0.name == parts[0] && $0.store.isProcessLocal }) else {
                let embedded = namespace.contexts.filter(\.store.isProcessLocal).map(\.name)
                standardError("error: --sqlite \(entry): expected CONTEXT=PATH with a context of \(namespace.name) whose store is sqlite"
                              + (embedded.isEmpty ? " (it has none)" : " (\(embedded.joined(separator: ", ")))"))
                throw ExitCode(2)
            }
            reader.embeddedStores[parts[0]] = parts[1]
        }
        let conversation: Conversation
        do {
            conversation = try await reader.read(correlationId: correlationId)
        } catch {
            standardError("error: \(error)")
            throw ExitCode.failure
        }
        switch format {
        case .text: print(conversation.timeline(), terminator: "")
        case .mermaid: print(conversation.mermaid(), terminator: "")
        case .html: print(conversation.html(), terminator: "")
        }
        if conversation.steps.isEmpty { throw ExitCode(4) }
        if !conversation.stops.isEmpty { throw ExitCode(3) }
    }
}
