import CRabbitMQ
import Foundation

/// What the connection thread does with each frame the broker sends.
extension ConnectionCore {
    func dispatch(_ frame: amqp_frame_t) {
        switch Int32(frame.frame_type) {
        case AMQP_FRAME_METHOD:
            if frame.channel == 0 {
                connectionMethod(frame.payload.method)
            } else if let channel = channels[frame.channel] {
                channelMethod(frame.payload.method, on: channel)
            }
        case AMQP_FRAME_HEADER:
            guard let channel = channels[frame.channel], channel.incoming.phase == .header else { return }
            let bodySize = Int(frame.payload.properties.body_size)
            channel.incoming.bodySize = bodySize
            if let decoded = frame.payload.properties.decoded {
                channel.incoming.properties = PropertiesCoding.decode(decoded.assumingMemoryBound(to: amqp_basic_properties_t.self))
            }
            channel.incoming.phase = .body
            if bodySize == 0 { completeContent(on: channel) }
        case AMQP_FRAME_BODY:
            guard let channel = channels[frame.channel], channel.incoming.phase == .body else { return }
            let fragment = frame.payload.body_fragment
            if fragment.len > 0, let bytes = fragment.bytes {
                if channel.incoming.body.isEmpty && fragment.len >= channel.incoming.bodySize {
                    // The usual case, the whole body in one frame: one allocation, no growth.
                    channel.incoming.body = Data(bytes: bytes, count: fragment.len)
                } else {
                    if channel.incoming.body.isEmpty { channel.incoming.body.reserveCapacity(channel.incoming.bodySize) }
                    channel.incoming.body.append(bytes.assumingMemoryBound(to: UInt8.self), count: fragment.len)
                }
            }
            if channel.incoming.body.count >= channel.incoming.bodySize { completeContent(on: channel) }
        default:
            break  // heartbeats are consumed by the library
        }
    }

    private func connectionMethod(_ method: amqp_method_t) {
        switch method.id {
        case Method.connectionClose:
            let close = method.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            var ok = amqp_connection_close_ok_t(dummy: 0)
            _ = amqp_send_method(state, 0, Method.connectionCloseOk, &ok)
            let failed = close.method_id != 0 ? Method.name(Method.number(UInt32(close.class_id), UInt32(close.method_id))) : nil
            terminate(RabbitMQError(.connectionClosed, close.reply_text.string, replyCode: close.reply_code, method: failed))
        case Method.connectionCloseOk:
            terminate(RabbitMQError(.closedByClient, "the connection was closed"))
        case Method.connectionBlocked:
            let blocked = method.decoded.assumingMemoryBound(to: amqp_connection_blocked_t.self).pointee
            logger.warning("broker blocked publishing on this connection", metadata: ["amqp.reason": "\(blocked.reason.string)"])
        case Method.connectionUnblocked:
            logger.info("broker unblocked publishing on this connection")
        default:
            terminate(RabbitMQError(.protocolError, "unexpected \(Method.name(method.id)) on channel 0"))
        }
    }

    private func channelMethod(_ method: amqp_method_t, on channel: ChannelState) {
        switch method.id {
        case Method.basicDeliver:
            let deliver = method.decoded.assumingMemoryBound(to: amqp_basic_deliver_t.self)
            startContent(.delivery, on: channel)
            channel.incoming.consumerTag = channel.consumerTagCache.string(deliver.pointee.consumer_tag)
            channel.incoming.deliveryTag = deliver.pointee.delivery_tag
            // Tracked from here, not once the content is whole: a delivery dropped unfinished
            // is still unacked at the broker, and no `multiple` ack may reach over it.
            if !channel.noAckConsumerTags.contains(channel.incoming.consumerTag) {
                channel.unsettled.received(deliver.pointee.delivery_tag)
            }
            channel.incoming.redelivered = deliver.pointee.redelivered != 0
            channel.incoming.exchange = channel.exchangeCache.string(deliver.pointee.exchange)
            channel.incoming.routingKey = channel.routingKeyCache.string(deliver.pointee.routing_key)
        case Method.basicReturn:
            let returned = method.decoded.assumingMemoryBound(to: amqp_basic_return_t.self).pointee
            startContent(.returned, on: channel)
            channel.incoming.replyCode = returned.reply_code
            channel.incoming.replyText = returned.reply_text.string
            channel.incoming.exchange = returned.exchange.string
            channel.incoming.routingKey = returned.routing_key.string
        case Method.basicAck:
            let ack = method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            settleConfirms(on: channel, upTo: ack.delivery_tag, multiple: ack.multiple != 0, nacked: false)
        case Method.basicNack:
            let nack = method.decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            settleConfirms(on: channel, upTo: nack.delivery_tag, multiple: nack.multiple != 0, nacked: true)
        case Method.channelClose:
            let close = method.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            var ok = amqp_channel_close_ok_t(dummy: 0)
            let failed = close.method_id != 0 ? Method.name(Method.number(UInt32(close.class_id), UInt32(close.method_id))) : nil
            let reason = RabbitMQError(.channelClosed, close.reply_text.string, replyCode: close.reply_code, method: failed)
            logger.debug("broker closed a channel", metadata: ["amqp.channel": "\(channel.number)", "error": "\(reason)"])
            dropChannel(channel, reason: reason)
            send(channel.number, Method.channelCloseOk, &ok)
        case Method.basicCancel:
            // The broker cancels a consumer whose queue was deleted (consumer_cancel_notify).
            let cancel = method.decoded.assumingMemoryBound(to: amqp_basic_cancel_t.self).pointee
            let tag = cancel.consumer_tag.string
            channel.consumers.removeValue(forKey: tag)?.finish(
                throwing: RabbitMQError(.consumerCancelled, "the broker cancelled consumer \(tag), e.g. because its queue was deleted"))
            if cancel.nowait == 0 {
                var ok = amqp_basic_cancel_ok_t(consumer_tag: cancel.consumer_tag)
                send(channel.number, Method.basicCancelOk, &ok)
            }
        case Method.channelFlow:
            let flow = method.decoded.assumingMemoryBound(to: amqp_channel_flow_t.self).pointee
            var ok = amqp_channel_flow_ok_t(active: flow.active)
            send(channel.number, Method.channelFlowOk, &ok)
        default:
            guard !channel.pendingReplies.isEmpty else {
                terminate(RabbitMQError(.protocolError, "unexpected \(Method.name(method.id)) on channel \(channel.number)"))
                return
            }
            let pending = channel.pendingReplies.removeFirst()
            guard pending.expected.contains(method.id) else {
                terminate(RabbitMQError(.protocolError, "expected \(pending.expected.map(Method.name)) but got \(Method.name(method.id))", method: pending.method))
                return
            }
            pending.complete(.success(method.decoded))
        }
    }

    /// A basic.deliver or basic.return starts new content; one left unfinished is dropped.
    private func startContent(_ kind: IncomingContent.Kind, on channel: ChannelState) {
        channel.incoming.kind = kind
        channel.incoming.phase = .header
        channel.incoming.properties = BasicProperties()
        channel.incoming.bodySize = 0
        channel.incoming.body = Data()
    }

    private func completeContent(on channel: ChannelState) {
        guard channel.incoming.phase != .idle else { return }
        channel.incoming.phase = .idle
        let properties = channel.incoming.properties
        let body = channel.incoming.body
        channel.incoming.properties = BasicProperties()
        channel.incoming.body = Data()
        switch channel.incoming.kind {
        case .delivery:
            let consumerTag = channel.incoming.consumerTag
            let deliveryTag = channel.incoming.deliveryTag
            let consumer: ConsumerState?
            if let last = channel.lastConsumer, channel.lastConsumerTag == consumerTag {
                consumer = last
            } else {
                consumer = channel.consumers[consumerTag]
                channel.lastConsumer = consumer
                channel.lastConsumerTag = consumerTag
            }
            if let consumer {
                let delivery = Delivery(
                    channel: Channel(core: self, number: channel.number, id: channel.id), consumerTag: consumerTag,
                    deliveryTag: deliveryTag, redelivered: channel.incoming.redelivered, exchange: channel.incoming.exchange,
                    routingKey: channel.incoming.routingKey, properties: properties, body: body)
                if consumer.pending.isEmpty { consumersToFlush.append(consumer) }
                consumer.pending.append(delivery)
            } else if !channel.noAckConsumerTags.contains(consumerTag) {
                // A delivery that raced a cancel: give it back to the queue for another consumer.
                channel.unsettled.settled(deliveryTag, multiple: false)
                _ = amqp_basic_reject(state, channel.number, deliveryTag, 1)
            }
        case .returned:
            let (exchange, routingKey, replyText) = (channel.incoming.exchange, channel.incoming.routingKey, channel.incoming.replyText)
            markReturned(on: channel, properties: properties, exchange: exchange, routingKey: routingKey,
                         error: RabbitMQError(.returned, "\(replyText): no queue is bound to exchange `\(exchange)` with routing key `\(routingKey)`",
                                              replyCode: channel.incoming.replyCode, method: "basic.publish"))
        }
    }

    /// Finds the unconfirmed publish a basic.return refers to: the broker sends the return before
    /// that message's ack, but a return carries no delivery tag, so match on message id, else on
    /// the oldest unconfirmed message to the same exchange and routing key.
    private func markReturned(on channel: ChannelState, properties: BasicProperties, exchange: String, routingKey: String, error: RabbitMQError) {
        let candidates = channel.unconfirmed
            .filter { $0.value.returned == nil && $0.value.exchange == exchange && $0.value.routingKey == routingKey }
            .sorted { $0.key < $1.key }
        let match = candidates.first { properties.messageId != nil && $0.value.messageId == properties.messageId } ?? candidates.first
        if let match {
            match.value.returned = error
        } else {
            logger.warning("message returned by the broker", metadata: ["error": "\(error)"])
        }
    }

    private func settleConfirms(on channel: ChannelState, upTo tag: UInt64, multiple: Bool, nacked: Bool) {
        func settle(_ entry: Unconfirmed) {
            if nacked {
                entry.complete(.failure(RabbitMQError(.nacked, "the broker could not take responsibility for the message (basic.nack)", method: "basic.publish")))
            } else if let returned = entry.returned {
                entry.complete(.failure(returned))
            } else {
                entry.complete(.success(()))
            }
        }
        if multiple {
            if tag >= channel.lowestUnconfirmed {
                for current in channel.lowestUnconfirmed...tag {
                    if let entry = channel.unconfirmed.removeValue(forKey: current) { settle(entry) }
                }
                channel.lowestUnconfirmed = tag + 1
            }
        } else if let entry = channel.unconfirmed.removeValue(forKey: tag) {
            settle(entry)
        }
        while channel.lowestUnconfirmed < channel.nextPublishTag && channel.unconfirmed[channel.lowestUnconfirmed] == nil {
            channel.lowestUnconfirmed += 1
        }
        releaseHeldPublishes(on: channel)
    }
}
