import Foundation
import Topology

/// Where a context's messages go and what they must contain, read once from the topology.
package struct Routes: Sendable {
    let context: String
    /// Wire type → exchange, for everything this context may publish.
    private let exchanges: [String: String]
    /// Wire type → declared fields, for every message of the fleet.
    private let fields: [String: [Field]]

    package init(context: Topology.Context, fleet: Fleet) {
        self.context = context.name
        var exchanges: [String: String] = [:]
        for publication in context.publications(in: fleet) { exchanges[publication.type] = publication.exchange }
        self.exchanges = exchanges
        var fields: [String: [Field]] = [:]
        for message in fleet.contexts.flatMap(\.messages) { fields[message.type] = message.fields }
        self.fields = fields
    }

    func fields(of type: String) -> [Field]? { fields[type] }

    /// The outbox record of a message this context publishes, or why it may not.
    package func outgoing(type: String, body: Data, causedBy cause: Envelope) throws -> OutboxMessage {
        guard let exchange = exchanges[type] else {
            throw PermanentFailure(.topologyViolation, "\(context) may not publish \(type): its topology file neither declares it as an event nor lists it under `sends` or `calls`")
        }
        if let declared = fields[type] {
            let violations = PayloadValidator.validate(body, against: declared)
            if !violations.isEmpty {
                throw PermanentFailure(.topologyViolation, "\(type) built by \(context) breaks its declaration: \(violations.map(\.description).joined(separator: "; "))")
            }
        }
        return OutboxMessage(exchange: exchange, routingKey: type, envelope: cause.caused(type: type, by: context), body: body)
    }
}

/// A message waiting in the outbox: written in the handler's transaction, published after commit.
package struct OutboxMessage: Sendable {
    package var id: Int64 = 0
    package var exchange: String
    package var routingKey: String
    package var envelope: Envelope
    package var body: Data

    package init(id: Int64 = 0, exchange: String, routingKey: String, envelope: Envelope, body: Data) {
        self.id = id
        self.exchange = exchange
        self.routingKey = routingKey
        self.envelope = envelope
        self.body = body
    }
}
