import ArgumentParser

/// The one binary of the fleet: workers, the ingress and the operator's tools are its subcommands.
@main
struct Warren: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warren",
        abstract: "A message-broker-centric worker fleet over RabbitMQ and PostgreSQL.",
        subcommands: [WorkerCommand.self, IngressCommand.self, SendCommand.self, TopologyCommand.self, DeadCommand.self, TailCommand.self, TraceCommand.self, UpCommand.self]
    )
}
