import Foundation
import Logging
import Postgres
import RabbitMQ
import Topology

/// The reliability protocol for one delivery (DESIGN.md, "Reliability protocol"): inbox, handler
/// and outbox in one transaction; publish with confirms after the commit; ack last.
///
/// Every outcome ends in an ack (handled, duplicate, sent to retry, dead-lettered) except an
/// infrastructure failure (database or broker connection lost), which `process` throws without
/// acking: the caller restores the connection and the broker delivers the message again, which
/// the inbox then recognizes if its effects were already committed.
package struct DeliveryPipeline: Sendable {
    let context: BoundedContext
    let topology: Topology.Context
    let routes: Routes
    let inbox: Inbox
    let outbox: Outbox
    let publisher: Publisher
    let sentRows: SentRows
    let metrics: WorkerMetrics
    let logger: Logger
    /// For handlers that make RPCs before their transaction; nil when the topology lists no `calls`.
    var rpcClient: RPCClient? = nil
    /// Ids claimed by `before` steps (`Calls.claimId`).
    var idClaims: IdClaims? = nil

    /// The pipeline of a context's deliveries over `publisher`. Its inbox and outbox name the
    /// context's PostgreSQL tables, which only `process(_:from:database:started:)` uses; another
    /// store brings its own transaction (`process(_:from:transact:)`).
    package init(context: BoundedContext, topology: Topology.Context, routes: Routes, publisher: Publisher, sentRows: SentRows,
                 metrics: WorkerMetrics, logger: Logger, rpcClient: RPCClient? = nil) {
        let schema = ContextSchema(context: context.name)
        self.init(context: context, topology: topology, routes: routes, inbox: Inbox(schema: schema), outbox: Outbox(schema: schema),
                  publisher: publisher, sentRows: sentRows, metrics: metrics, logger: logger, rpcClient: rpcClient)
    }

    private init(context: BoundedContext, topology: Topology.Context, routes: Routes, inbox: Inbox, outbox: Outbox,
                 publisher: Publisher, sentRows: SentRows, metrics: WorkerMetrics, logger: Logger, rpcClient: RPCClient?) {
        self.context = context
        self.topology = topology
        self.routes = routes
        self.inbox = inbox
        self.outbox = outbox
        self.publisher = publisher
        self.sentRows = sentRows
        self.metrics = metrics
        self.logger = logger
        self.rpcClient = rpcClient
    }

    /// The routes of the context's messages, for a store that writes its own outbox rows.
    package var contextRoutes: Routes { routes }

    package enum Outcome: String, Sendable {
        case handled, duplicate, retried, dead, expired
    }

    /// A delivery whose handler's calls were started before its turn in the lane.
    package struct Started: Sendable {
        let calls: Calls
        let ahead: HandlerTransaction.Ahead
    }

    /// Starts the calls of a delivery whose handler makes some before its transaction, so a lane
    /// can have several deliveries' calls in flight while it commits them in order. Nil for any
    /// other delivery, and for one that will not reach its handler (`process` deals with it).
    func startCalls(_ delivery: Delivery, from queue: Topology.Queue, database: PostgresConnection) async throws -> Started? {
        // Most handlers make no calls: that is known from the type alone, before the checks that
        // parse the body, which the lane would otherwise run twice for every such delivery.
        guard let type = delivery.properties.type, context.handler(for: type)?.needsCalls == true,
              let (envelope, handler) = admitted(delivery, from: queue) else { return nil }
        let calls = Calls(client: rpcClient, claims: idClaims, cause: envelope)
        let transaction = HandlerTransaction(inbox: inbox, outbox: outbox, routes: routes)
        guard let ahead = try await transaction.startCalls(handler, body: delivery.body, envelope: envelope, database: database, calls: calls)
        else { return nil }
        return Started(calls: calls, ahead: ahead)
    }

    /// The envelope and handler of a delivery that reaches its handler now: one that `process`
    /// would not dead-letter or drop as expired.
    func admitted(_ delivery: Delivery, from queue: Topology.Queue) -> (Envelope, Handler)? {
        guard let envelope = try? Envelope(properties: delivery.properties), let handler = context.handler(for: envelope.type),
              !Self.isPastDeadline(delivery), admissionFailure(delivery, envelope: envelope, queue: queue) == nil
        else { return nil }
        return (envelope, handler)
    }

    /// The metadata every log line inside a delivery carries (DESIGN.md, "Observability").
    static func tag(_ logger: inout Logger, with envelope: Envelope) {
        logger[metadataKey: "message_id"] = "\(envelope.messageId)"
        logger[metadataKey: "correlation_id"] = "\(envelope.correlationId)"
        logger[metadataKey: "causation_id"] = "\(envelope.causationId ?? "")"
        logger[metadataKey: "type"] = "\(envelope.type)"
    }

    static func isPastDeadline(_ delivery: Delivery) -> Bool {
        guard let deadline = delivery.properties.headers?[Reply.deadlineHeader]?.intValue else { return false }
        return Int64(deadline) < Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }

    func process(_ delivery: Delivery, from queue: Topology.Queue, database: PostgresConnection,
                 started: Started? = nil) async throws -> Outcome {
        try await process(delivery, from: queue, started: started) { [inbox, outbox, routes] handler, envelope, calls, logger in
            try await HandlerTransaction(inbox: inbox, outbox: outbox, routes: routes)
                .run(handler, body: delivery.body, envelope: envelope, queue: queue.name, database: database, calls: calls,
                     logger: logger, ahead: started?.ahead)
        }
    }

    /// Steps 1–3 for one delivery in the context's store: the handler with its inbox record and
    /// outbox rows in one transaction, committed, or the handler's error after a rollback.
    package typealias Transact = @Sendable (_ handler: Handler, _ envelope: Envelope, _ calls: Calls, _ logger: Logger) async throws
        -> HandlerTransaction.Result

    /// The reliability protocol for one delivery whatever the store: checks, `transact`, then
    /// publish, reply and ack, or retry and dead-letter. Throws only a lost connection (no ack).
    package func process(_ delivery: Delivery, from queue: Topology.Queue, started: Started? = nil,
                         transact: Transact) async throws -> Outcome {
        var logger = logger
        logger[metadataKey: "queue"] = "\(queue.name)"
        let envelope: Envelope
        do {
            envelope = try Envelope(properties: delivery.properties)
        } catch {
            return try await deadLetter(delivery, from: queue, PermanentFailure(.missingEnvelope, error.description), logger: logger)
        }
        Self.tag(&logger, with: envelope)
        metrics.delivered(type: envelope.type)

        // A delivery whose calls were started passed these checks then (`admitted`).
        if started == nil, let failure = admissionFailure(delivery, envelope: envelope, queue: queue) {
            return try await deadLetter(delivery, from: queue, failure, envelope: envelope, logger: logger)
        }
        if started == nil, Self.isPastDeadline(delivery) {
            // Its caller has given up and may have compensated: acting now would be wrong.
            try await delivery.ack()
            metrics.outcome(.expired)
            logger.warning("request dropped: its deadline passed before it was handled")
            return .expired
        }
        let handler = context.handler(for: envelope.type)!
        let calls = started?.calls ?? Calls(client: rpcClient, claims: idClaims, cause: envelope)
        let startedAt = ContinuousClock.now
        let result: HandlerTransaction.Result
        do {
            result = try await transact(handler, envelope, calls, logger)
        } catch {
            await sendCompensations(calls, logger: logger)
            if let failure = error as? PermanentFailure {
                return try await deadLetter(delivery, from: queue, failure, envelope: envelope, logger: logger)
            }
            if Self.isInfrastructure(error) { throw error }
            return try await retry(delivery, from: queue, envelope: envelope, after: error, logger: logger)
        }
        metrics.handled(type: envelope.type, duration: ContinuousClock.now - startedAt)
        let written: [OutboxMessage]
        let reply: (type: String, body: Data)?
        switch result {
        case .duplicate(let stored):
            return try await duplicate(delivery, envelope: envelope, storedReply: stored, logger: logger)
        case .handled(let rows, let answer):
            (written, reply) = (rows, answer)
        }
        FailPoint.committed()
        let answer = reply.flatMap { Reply.answering(envelope, type: $0.type, body: $0.body, from: context.name) }
        try await publishAfterCommit(written, reply: answer, logger: logger)
        try await delivery.ack()
        metrics.outcome(.handled)
        logger.debug("handled", metadata: ["published": "\(written.count)"])
        return .handled
    }

    /// A message handled before: acked and skipped; a request is answered again with the
    /// reply stored the first time.
    private func duplicate(_ delivery: Delivery, envelope: Envelope, storedReply: (type: String, body: String)?,
                           logger: Logger) async throws -> Outcome {
        if let storedReply, let answer = Reply.answering(envelope, type: storedReply.type, body: Data(storedReply.body.utf8), from: context.name) {
            try await publisher.reply(answer)
        }
        metrics.outcome(.duplicate)
        logger.debug("duplicate delivery skipped: already handled", metadata: ["answered_again": "\(storedReply != nil)"])
        try await delivery.ack()
        return .duplicate
    }

    /// A handling that failed after an RPC timed out still owes the compensation; it cannot
    /// ride in the rolled-back outbox, so it is published now.
    private func sendCompensations(_ calls: Calls, logger: Logger) async {
        for compensation in calls.compensations {
            do {
                try await publisher.publish(compensation.message)
            } catch {
                logger.error("compensation not sent", metadata: [
                    "compensation.type": "\(compensation.message.routingKey)", "error": "\(error)",
                    "body": "\(String(decoding: compensation.message.body, as: UTF8.self))"])
            }
        }
    }

    /// Why a delivery cannot reach its handler at all, or nil when it can.
    private func admissionFailure(_ delivery: Delivery, envelope: Envelope, queue: Topology.Queue) -> PermanentFailure? {
        if let contentType = delivery.properties.contentType, !contentType.lowercased().hasPrefix("application/json") {
            return PermanentFailure(.wrongContentType, "content type is \(contentType): Warren messages are application/json")
        }
        guard queue.consumes.contains(where: { $0.type == envelope.type }), context.handler(for: envelope.type) != nil else {
            let expected = queue.consumes.map(\.type).joined(separator: ", ")
            return PermanentFailure(.unknownType, "queue \(queue.name) takes \(expected); got type \(envelope.type)")
        }
        let violations = PayloadValidator.validate(delivery.body, against: routes.fields(of: envelope.type) ?? [])
        guard violations.isEmpty else {
            return PermanentFailure(.schemaViolation, "\(envelope.type): \(violations.map(\.description).joined(separator: "; "))")
        }
        return nil
    }

    /// Publishes what the handler caused; confirmed rows are deleted later in batches. A row the
    /// broker refused stays in the outbox for the relay, which retries it with backoff. The
    /// reply goes out at once, unconfirmed: the inbox keeps it for a retried request.
    func publishAfterCommit(_ written: [OutboxMessage], reply: OutgoingMessage?, logger: Logger) async throws {
        if let reply { try await publisher.reply(reply) }
        guard !written.isEmpty else { return }
        let outcomes = try await publisher.publish(written.map(\.outgoing))
        var confirmed: [Int64] = []
        for (message, error) in zip(written, outcomes) {
            if let error {
                logger.warning("published message not confirmed; the outbox relay will retry it",
                               metadata: ["published.type": "\(message.routingKey)", "error": "\(error)"])
            } else {
                confirmed.append(message.id)
            }
        }
        sentRows.add(confirmed)
    }

    /// Sends a transiently failed delivery to the delay queue of its attempt, or to the dead
    /// letters when the attempts are used up. Acks the original once the copy is confirmed.
    private func retry(_ delivery: Delivery, from queue: Topology.Queue, envelope: Envelope, after error: any Error,
                       logger: Logger) async throws -> Outcome {
        let reason = "\(error)"
        guard let policy = queue.retry, envelope.attempt < policy.attempts, envelope.attempt - 1 < queue.retryQueueNames.count else {
            let attempts = queue.retry?.attempts ?? 1
            return try await deadLetter(delivery, from: queue,
                                        PermanentFailure(.retriesExhausted, "failed \(attempts) time(s), last: \(reason)"),
                                        envelope: envelope, logger: logger)
        }
        var properties = delivery.properties
        var headers = properties.headers ?? [:]
        headers[Envelope.Header.attempt] = .int64(Int64(envelope.attempt + 1))
        headers[Topology.Queue.retryQueueHeader] = .string(queue.name)
        headers["x-last-error"] = .string(String(reason.prefix(1000)))
        properties.headers = headers
        let delayQueue = queue.retryQueueNames[envelope.attempt - 1]
        try await publisher.publish(OutgoingMessage(exchange: topology.retryExchange, routingKey: delayQueue, body: delivery.body,
                                                    properties: properties, mandatory: true))
        try await delivery.ack()
        metrics.outcome(.retried)
        logger.warning("handler failed; retrying later", metadata: [
            "attempt": "\(envelope.attempt)", "retry.queue": "\(delayQueue)", "error": "\(reason)",
        ])
        return .retried
    }

    /// Publishes the delivery to `<context>.dead` with headers that say why and where it came
    /// from, then acks it. The worker goes on with the next message.
    private func deadLetter(_ delivery: Delivery, from queue: Topology.Queue, _ failure: PermanentFailure, envelope: Envelope? = nil,
                            logger: Logger) async throws -> Outcome {
        // A caller waiting for a reply learns at once that there will be none.
        if let envelope, let answer = Reply.answering(envelope, type: Reply.errorType, body: Reply.errorBody("\(failure.reason.name): \(failure.message)"), from: context.name) {
            try await publisher.reply(answer)
        }
        var properties = delivery.properties
        var headers = properties.headers ?? [:]
        headers[DeadLetter.reason] = .string(failure.reason.name)
        headers[DeadLetter.message] = .string(String(failure.message.prefix(2000)))
        headers[DeadLetter.originalExchange] = .string(delivery.exchange)
        headers[DeadLetter.originalRoutingKey] = .string(delivery.routingKey)
        headers[DeadLetter.originalQueue] = .string(queue.name)
        headers[DeadLetter.failedAt] = .timestamp(UInt64(Date().timeIntervalSince1970))
        properties.headers = headers
        // Kept across a broker restart even when the original was sent transient.
        properties.deliveryMode = 2
        try await publisher.publish(OutgoingMessage(exchange: topology.deadLetterExchange, routingKey: delivery.routingKey,
                                                    body: delivery.body, properties: properties, mandatory: true))
        try await delivery.ack()
        metrics.outcome(.dead)
        logger.error("message dead-lettered", metadata: ["reason": "\(failure.reason)", "error": "\(failure.message)"])
        return .dead
    }

    /// Lost connections are not the message's fault: they must not use up its attempts.
    package static func isInfrastructure(_ error: any Error) -> Bool {
        if let error = error as? PostgresError {
            return [.connectionLost, .connectionClosed, .connectionFailed].contains(error.code)
        }
        if let error = error as? RabbitMQError {
            return error.endsConnection
        }
        return error is CancellationError
    }
}

/// The headers a dead-lettered message carries, for `warren dead` and for people.
public enum DeadLetter {
    public static let reason = "x-death-reason"
    public static let message = "x-death-message"
    public static let originalExchange = "x-original-exchange"
    public static let originalRoutingKey = "x-original-routing-key"
    public static let originalQueue = "x-original-queue"
    public static let failedAt = "x-failed-at"
}
