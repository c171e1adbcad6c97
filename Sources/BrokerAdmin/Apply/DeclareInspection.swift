import RabbitMQ
import Topology

/// Observes the broker over AMQP alone, for when the management API is not there: a passive
/// declare tells whether an object exists (404 NOT_FOUND: missing), then an active redeclare
/// with exactly the topology's properties tells whether it is equivalent. That redeclare
/// changes nothing either way: a no-op when equivalent, a 406 PRECONDITION_FAILED (whose text
/// names both sides) when not. Each 404 or 406 closes the channel, so a new one is opened.
/// The broker names one difference per refusal, so for a queue the redeclare is repeated with
/// the broker's value in place of each named one until it passes: every difference is listed,
/// and still nothing changes (a declare equivalent to the broker's queue is a no-op).
/// Bindings cannot be listed over AMQP: they are marked unobserved and declared again.
struct DeclareInspection {
    var connection: Connection
    var virtualHost: String

    func plan(_ objects: BrokerObjects) async throws -> Plan {
        var channel = try await connection.openChannel()
        var entries: [Plan.Entry] = []

        /// `redeclare` gets the properties and arguments to try; it returns the refusal, if any.
        func observe(_ passive: (Channel) async throws -> Void, probe arguments: FieldTable, flags: [String: Bool],
                     _ redeclare: (Channel, FieldTable, [String: Bool]) async throws -> Void) async throws -> Plan.Status {
            do {
                try await passive(channel)
            } catch let error as RabbitMQError where error.replyCode == 404 {
                channel = try await connection.openChannel()
                return .missing
            }
            var (arguments, flags) = (arguments, flags)
            var differences: [Difference] = []
            while differences.count < 32 {
                do {
                    try await redeclare(channel, arguments, flags)
                    break
                } catch let error as RabbitMQError where error.replyCode == 406 {
                    channel = try await connection.openChannel()
                    guard let refusal = Inequivalence.refusal(error.message),
                          !differences.contains(where: { $0.property == refusal.difference.property }) else {
                        if Inequivalence.refusal(error.message) == nil {
                            differences.append(Difference(property: "a property (the broker says: \(error.message))", broker: nil, topology: nil))
                        }
                        break
                    }
                    differences.append(refusal.difference)
                    // Take the broker's side of this one and ask again, to learn the next.
                    let property = refusal.difference.property
                    if flags[property] != nil, case .bool(let value)? = refusal.brokerValue {
                        flags[property] = value
                    } else if !refusal.brokerHasValue {
                        arguments[property] = nil
                    } else if let value = refusal.brokerValue {
                        arguments[property] = value
                    } else {
                        break
                    }
                }
            }
            return differences.isEmpty ? .unchanged : .inequivalent(differences.sorted { Plan.order($0, $1) })
        }

        for exchange in objects.exchanges {
            let flags = ["durable": exchange.durable, "auto_delete": exchange.autoDelete, "internal": exchange.internal]
            let status = try await observe({ channel in
                try await channel.declareExchange(exchange.name, type: ExchangeType(exchange.type), passive: true)
            }, probe: exchange.arguments.fieldTable, flags: flags) { channel, arguments, flags in
                // A different type cannot be probed past: it is reported alone.
                try await channel.declareExchange(exchange.name, type: ExchangeType(exchange.type), durable: flags["durable"]!,
                                                  autoDelete: flags["auto_delete"]!, internal: flags["internal"]!, arguments: arguments)
            }
            entries.append(Plan.Entry(kind: .exchange, name: exchange.name, summary: Plan.summary(exchange), file: exchange.file, status: status))
        }
        for queue in objects.queues {
            let status = try await observe({ channel in
                try await channel.declareQueue(queue.name, passive: true)
            }, probe: queue.arguments.fieldTable, flags: ["durable": queue.durable, "auto_delete": queue.autoDelete]) { channel, arguments, flags in
                try await channel.declareQueue(queue.name, durable: flags["durable"]!, autoDelete: flags["auto_delete"]!, arguments: arguments)
            }
            entries.append(Plan.Entry(kind: .queue, name: queue.name, summary: Plan.summary(queue), file: queue.file,
                                      status: status.ignoring(Topology.Queue.creationOnlyArguments)))
        }
        for binding in objects.bindings {
            entries.append(Plan.Entry(kind: .binding, name: Plan.name(binding), summary: "", file: binding.file, status: .unobserved))
        }
        try? await channel.close()
        return Plan(entries: entries, source: "passive declares", virtualHost: virtualHost)
    }
}

extension Plan.Status {
    /// The status without differences in `properties`; unchanged when nothing else differs.
    func ignoring(_ properties: Set<String>) -> Plan.Status {
        guard case .inequivalent(let differences) = self else { return self }
        let kept = differences.filter { !properties.contains($0.property) }
        return kept.isEmpty ? .unchanged : .inequivalent(kept)
    }
}
