import CRabbitMQ
import Foundation

/// The AMQP operations, run on the connection thread on behalf of `Connection` and `Channel`.
extension ConnectionCore {
    func openChannel(_ promise: Promise<Channel>) {
        if let termination { return promise.fail(termination) }
        guard let channel = allocateChannel() else {
            return promise.fail(RabbitMQError(.protocolError, "all \(channelMax) channels of this connection are in use"))
        }
        var open = amqp_channel_open_t(out_of_band: .empty)
        call(channel, Method.channelOpen, &open, expecting: Method.channelOpenOk) { result in
            promise.complete(result.map { _ in Channel(core: self, number: channel.number, id: channel.id) })
        }
    }

    func closeChannel(_ number: UInt16, id: UInt64, _ promise: Promise<Void>) {
        guard case .success(let channel) = channel(number, id: id) else { return promise.succeed() }
        var close = amqp_channel_close_t(reply_code: 200, reply_text: .empty, class_id: 0, method_id: 0)
        let arena = CArena()
        close.reply_text = arena.bytes("closed by client")
        call(channel, Method.channelClose, &close, expecting: Method.channelCloseOk) { result in
            self.dropChannel(channel, reason: RabbitMQError(.channelClosed, "channel \(number) was closed by the client"))
            promise.complete(result.map { _ in () })
        }
    }

    func closeConnection(_ promise: Promise<Void>) {
        if let termination {
            return termination.code == .closedByClient ? promise.succeed() : promise.fail(termination)
        }
        let arena = CArena()
        var close = amqp_connection_close_t(reply_code: 200, reply_text: arena.bytes("closed by client"), class_id: 0, method_id: 0)
        closeWaiters.append(promise)
        guard send(0, Method.connectionClose, &close) else { return }
    }

    /// Runs `operation` on the channel a handle names, or fails the promise with why it cannot.
    func onChannel<Value>(_ number: UInt16, _ id: UInt64, _ promise: Promise<Value>, _ operation: (ChannelState) -> Void) {
        switch channel(number, id: id) {
        case .success(let channel): operation(channel)
        case .failure(let error): promise.fail(error)
        }
    }

    // MARK: - Publishing

    func publish(_ message: OutgoingMessage, on channel: ChannelState, complete: @escaping (Result<Void, RabbitMQError>) -> Void) {
        if channel.confirmMode && channel.unconfirmed.count >= channel.maxUnconfirmed {
            channel.held.append(HeldPublish(message: message, complete: complete))
            return
        }
        send(message, on: channel, complete: complete)
    }

    private func send(_ message: OutgoingMessage, on channel: ChannelState, complete: @escaping (Result<Void, RabbitMQError>) -> Void) {
        let arena = CArena()
        var properties = PropertiesCoding.encode(message.properties, in: arena)
        let status = message.body.withUnsafeBytes { body in
            amqp_basic_publish(
                state, channel.number, arena.bytes(message.exchange), arena.bytes(message.routingKey),
                message.mandatory ? 1 : 0, 0, &properties,
                amqp_bytes_t(len: body.count, bytes: UnsafeMutableRawPointer(mutating: body.baseAddress)))
        }
        guard status == Status.ok else {
            let error = RabbitMQError(.connectionLost, "cannot publish: \(Status.text(status))", method: "basic.publish", status: status)
            complete(.failure(error))
            terminate(error)
            return
        }
        if channel.confirmMode {
            channel.unconfirmed[channel.nextPublishTag] = Unconfirmed(message, complete: complete)
            channel.nextPublishTag += 1
        } else {
            complete(.success(()))
        }
    }

    /// Sends publishes that waited for room under `maxUnconfirmed`.
    func releaseHeldPublishes(on channel: ChannelState) {
        while channel.heldHead < channel.held.count && channel.unconfirmed.count < channel.maxUnconfirmed && channels[channel.number] === channel {
            let next = channel.held[channel.heldHead]
            channel.heldHead += 1
            send(next.message, on: channel, complete: next.complete)
        }
        if channel.heldHead == channel.held.count {
            channel.held.removeAll(keepingCapacity: true)
            channel.heldHead = 0
        }
    }

    func confirmSelect(on channel: ChannelState, maxUnconfirmed: Int, _ promise: Promise<Void>) {
        channel.maxUnconfirmed = max(1, maxUnconfirmed)
        guard !channel.confirmMode else { return promise.succeed() }
        var select = amqp_confirm_select_t(nowait: 0)
        call(channel, Method.confirmSelect, &select, expecting: Method.confirmSelectOk) { result in
            if case .success = result { channel.confirmMode = true }
            promise.complete(result.map { _ in () })
        }
    }

    // MARK: - Consuming

    func consume(_ queue: String, tag: String, noAck: Bool, exclusive: Bool, arguments: FieldTable, on channel: ChannelState,
                 buffer: DeliveryBuffer, _ promise: Promise<Void>) {
        channel.consumers[tag] = ConsumerState(buffer: buffer, noAck: noAck)
        // The tag's latest consumer decides: its deliveries are tracked for acks unless no-ack.
        if noAck { channel.noAckConsumerTags.insert(tag) } else { channel.noAckConsumerTags.remove(tag) }
        let arena = CArena()
        var consume = amqp_basic_consume_t()
        consume.queue = arena.bytes(queue)
        consume.consumer_tag = arena.bytes(tag)
        consume.no_ack = noAck ? 1 : 0
        consume.exclusive = exclusive ? 1 : 0
        consume.arguments = TableCoding.encode(arguments, in: arena)
        call(channel, Method.basicConsume, &consume, expecting: Method.basicConsumeOk) { result in
            if case .failure(let error) = result {
                channel.consumers.removeValue(forKey: tag)?.finish(throwing: error)
            }
            promise.complete(result.map { _ in () })
        }
    }

    func cancel(_ tag: String, on channel: ChannelState, _ promise: Promise<Void>) {
        guard channel.consumers[tag] != nil else { return promise.succeed() }
        let arena = CArena()
        var cancel = amqp_basic_cancel_t(consumer_tag: arena.bytes(tag), nowait: 0)
        call(channel, Method.basicCancel, &cancel, expecting: Method.basicCancelOk) { result in
            // Deliveries sent before the cancel-ok have been yielded already; the sequence ends after them.
            channel.consumers.removeValue(forKey: tag)?.finish()
            promise.complete(result.map { _ in () })
        }
    }

    /// basic.ack, basic.nack and basic.reject: no reply comes, so only a write failure is an error,
    /// and that ends the connection (and with it every consumer's sequence).
    func settle(_ operation: Settlement, channel number: UInt16, id: UInt64) {
        guard case .success(let channel) = channel(number, id: id) else { return }
        var status: Int32 = Status.ok
        switch operation {
        case .ack(let tag, let multiple):
            channel.unsettled.settled(tag, multiple: multiple)
            status = amqp_basic_ack(state, channel.number, tag, multiple ? 1 : 0)
        case .acks(let tags):
            for ack in channel.unsettled.acks(for: tags) where status == Status.ok {
                status = amqp_basic_ack(state, channel.number, ack.tag, ack.multiple ? 1 : 0)
            }
        case .nack(let tag, let multiple, let requeue):
            channel.unsettled.settled(tag, multiple: multiple)
            status = amqp_basic_nack(state, channel.number, tag, multiple ? 1 : 0, requeue ? 1 : 0)
        case .reject(let tag, let requeue):
            channel.unsettled.settled(tag, multiple: false)
            status = amqp_basic_reject(state, channel.number, tag, requeue ? 1 : 0)
        }
        if status != Status.ok {
            terminate(RabbitMQError(.connectionLost, "cannot settle a delivery: \(Status.text(status))", status: status))
        }
    }
}

enum Settlement: Sendable {
    case ack(UInt64, multiple: Bool)
    /// Deliveries acked together: as few frames as the channel's outstanding deliveries allow.
    case acks([UInt64])
    case nack(UInt64, multiple: Bool, requeue: Bool)
    case reject(UInt64, requeue: Bool)
}
