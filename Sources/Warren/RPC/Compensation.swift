import Foundation
import RabbitMQ
import Topology

/// The command that undoes a call whose outcome is unknown (its deadline passed): the one
/// the topology names for the endpoint, built from the request's own fields (e.g.
/// `payment.VoidPayment {requestId}` for an `ApprovePayment` of that `requestId`).
///
/// Its message id is derived from the request's, so sending it twice has one effect.
struct Compensation: Sendable {
    let envelope: Envelope
    let message: OutgoingMessage

    init?(for endpoint: RPCEndpoint, request body: Data, envelope request: Envelope, fleet: Fleet) {
        guard let type = endpoint.compensation, let declaration = fleet.message(type),
              case .object(let fields)? = try? JSONValue(parsing: body)
        else { return nil }
        var projected: [String: JSONValue] = [:]
        for field in declaration.fields { projected[field.name] = fields[field.name] }
        guard let compensationBody = try? JSONEncoder.warren.encode(projected) else { return nil }
        var envelope = Envelope(messageId: "\(request.messageId)/compensation", correlationId: request.correlationId,
                                causationId: request.messageId, type: type, appId: request.appId, traceparent: request.traceparent)
        envelope.timestamp = request.timestamp
        self.envelope = envelope
        message = OutgoingMessage(exchange: declaration.exchange, routingKey: type, body: compensationBody, properties: envelope.properties)
    }
}

extension Compensation {
    /// The compensation as an outbox row, sent with the handler's other messages.
    var outboxMessage: OutboxMessage {
        OutboxMessage(exchange: message.exchange, routingKey: message.routingKey, envelope: envelope, body: message.body)
    }
}
