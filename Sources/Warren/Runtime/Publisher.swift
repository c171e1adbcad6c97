import Foundation
import Logging
import RabbitMQ
import Synchronization

/// Publishes with confirms on a connection of its own (DESIGN.md keeps publishing and consuming
/// apart), shared by a worker's lanes and its outbox relay.
///
/// The broker closes a channel on some publishing errors (404 for a missing exchange, 403 for a
/// forbidden one); the publisher then opens a new channel for the next call, so one bad message
/// never stops the others.
package final class Publisher: Sendable {
    let connection: Connection
    private let channel: Mutex<Channel?>
    /// Replies go on a channel without confirms: see `reply(_:)`.
    private let replyChannel: Mutex<Channel?>
    private let logger: Logger

    init(connection: Connection, logger: Logger) {
        self.connection = connection
        self.channel = Mutex(nil)
        self.replyChannel = Mutex(nil)
        self.logger = logger
    }

    /// The channel kept in `slot`, or a new one (with confirms if asked) kept there.
    private func channel(in slot: borrowing Mutex<Channel?>, confirms: Bool) async throws -> Channel {
        if let channel = slot.withLock({ $0 }) { return channel }
        let opened = try await connection.openChannel()
        if confirms { try await opened.enablePublisherConfirms(maxUnconfirmed: 1000) }
        slot.withLock { $0 = opened }
        return opened
    }

    /// Publishes the messages and returns, for each, nil when confirmed or the error the broker gave.
    /// Throws only when the connection itself failed.
    package func publish(_ messages: [OutgoingMessage]) async throws -> [RabbitMQError?] {
        guard !messages.isEmpty else { return [] }
        let channel = try await channel(in: self.channel, confirms: true)
        let results: [Result<Void, RabbitMQError>]
        do {
            results = try await channel.publish(contentsOf: messages)
        } catch let error as RabbitMQError where error.code == .channelClosed {
            self.channel.withLock { if $0?.number == channel.number { $0 = nil } }
            return Array(repeating: error, count: messages.count)
        }
        var outcomes: [RabbitMQError?] = []
        outcomes.reserveCapacity(results.count)
        for result in results {
            switch result {
            case .success: outcomes.append(nil)
            case .failure(let error):
                if error.code == .channelClosed { self.channel.withLock { if $0?.number == channel.number { $0 = nil } } }
                if error.endsConnection { throw error }
                outcomes.append(error)
            }
        }
        return outcomes
    }

    /// Sends an RPC reply or a command's outcome without waiting for a confirm. The inbox keeps
    /// the reply, so a caller that missed it gets it again by retrying the request, and a confirm
    /// would only cost the broker work and the delivery a wait. Throws only when the connection
    /// failed; a channel the broker closed is replaced for the next reply.
    func reply(_ message: OutgoingMessage) async throws {
        let channel = try await channel(in: replyChannel, confirms: false)
        let logger = logger
        try channel.send(message) { [self] error in
            replyChannel.withLock { if $0?.number == channel.number { $0 = nil } }
            logger.warning("reply not sent; the caller gets it again if it retries", metadata: ["error": "\(error)"])
        }
    }

    /// Publishes one message and throws whatever kept it from being confirmed.
    func publish(_ message: OutgoingMessage) async throws {
        if let error = try await publish([message]).first ?? nil { throw error }
    }
}

extension OutboxMessage {
    package var outgoing: OutgoingMessage {
        OutgoingMessage(exchange: exchange, routingKey: routingKey, body: body, properties: envelope.properties, mandatory: true)
    }
}
