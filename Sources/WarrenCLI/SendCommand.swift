import ArgumentParser
import Foundation
import Logging
import RabbitMQ
import Topology
import Warren

/// `warren send MESSAGE key=value...`: a command or an RPC from the shell, with its outcome.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send a command or make an RPC from the shell and print the outcome, reply or error.",
        discussion: """
        MESSAGE is a wire type of the topology, e.g. payment.ApprovePayment (an RPC) or \
        reservation.CancelCleaning (a command). Fields are key=value, typed by the topology \
        (key:=json for raw JSON). An RPC prints its reply and latency; a command waits up to \
        --wait for its outcome. Exit status: 0 on a reply or outcome, 1 on an error \
        (timed out, unavailable, rejected), 2 on bad arguments.
        """
    )

    @Argument(help: "The message's wire type, <context>.<Name>.")
    var message: String

    @Argument(help: "Fields: key=value or key:=json.")
    var fields: [String] = []

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Milliseconds to wait for the reply or outcome (default: the endpoint's timeout, 5000 for a command).")
    var wait: Int?

    @Option(help: "The message id (a retry with the same id gets the stored answer).")
    var messageId: String?

    @Option(help: "The correlation id of the conversation (default: the message id).")
    var correlationId: String?

    func run() async throws {
        let environment = connection.environment
        let configuration = try connection.broker(connectionName: "warren send")
        let everything = try connection.fleet()
        let fleet: Fleet
        do {
            // The system that declares MESSAGE, when --system does not say.
            let declaring = everything.systems(declaring: message)
            fleet = try everything.namespace(connection.system ?? (declaring.count == 1 ? declaring[0].name : nil)).fleet
        } catch {
            throw ValidationError(error.description)
        }
        let declared: Topology.Message
        if let rpc = fleet.rpc(message) {
            declared = rpc.request
        } else if let found = fleet.message(message), found.kind == .command {
            declared = found
        } else {
            let known = fleet.contexts.flatMap { $0.rpcs.map(\.type) + $0.commands.map(\.type) }.sorted().joined(separator: ", ")
            throw ValidationError("`\(message)` is neither an RPC nor a command of the topology; known: \(known)")
        }
        let body: Data
        do { body = try ShellBody.build(fields, fields: declared.fields) } catch { throw ValidationError(error.description) }
        let violations = PayloadValidator.validate(body, against: declared.fields)
        if !violations.isEmpty {
            throw ValidationError("\(message): " + violations.map(\.description).joined(separator: "; "))
        }

        var rpcConfiguration = RPCClient.Configuration(amqp: configuration)
        rpcConfiguration.breaker = try CircuitBreaker.Settings.fromEnvironment(environment)
        var logger = Logger(label: "warren.send")
        logger.logLevel = .error
        let client = RPCClient(configuration: rpcConfiguration, fleet: fleet, caller: "warren-send", logger: logger)
        let running = Task { try await client.run() }
        defer { running.cancel() }
        guard await connected(client, within: .seconds(5)) else {
            standardError("error: the broker at \(configuration.host):\(configuration.port) is unreachable")
            throw ExitCode.failure
        }
        let started = ContinuousClock.now
        do throws(RPCError) {
            if fleet.rpc(message) != nil {
                let reply = try await client.call(type: message, body: body, correlationId: correlationId, messageId: messageId,
                                                  deadline: wait.map { .milliseconds($0) })
                print(String(decoding: reply.body, as: UTF8.self))
                standardError("\(reply.envelope.type) in \(milliseconds(since: started)) ms (correlation_id \(reply.envelope.correlationId))")
            } else {
                let outcome = try await client.send(command: message, body: body, correlationId: correlationId, messageId: messageId,
                                                    wait: .milliseconds(wait ?? 5000))
                if let outcome {
                    print(String(decoding: (try? JSONEncoder.pretty.encode(outcome)) ?? Data(), as: UTF8.self))
                    standardError("outcome in \(milliseconds(since: started)) ms")
                } else {
                    print(#"{"result":"accepted"}"#)
                    standardError("accepted: no outcome within \(wait ?? 5000) ms; the command is queued and will be handled")
                }
            }
        } catch {
            standardError("error: \(error) (after \(milliseconds(since: started)) ms)")
            throw ExitCode.failure
        }
    }

    private func connected(_ client: RPCClient, within limit: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await client.connected(); return true }
            group.addTask { try? await Task.sleep(for: limit); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            return first || client.isConnected
        }
    }

    private func milliseconds(since start: ContinuousClock.Instant) -> String {
        let elapsed = ContinuousClock.now - start
        return String(format: "%.1f", Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
    }
}

extension JSONEncoder {
    static var pretty: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return encoder
    }
}
