import CRabbitMQ

/// Basic properties between Swift and `amqp_basic_properties_t`, flag by flag.
enum PropertiesCoding {
    // AMQP_BASIC_*_FLAG, which Swift does not import reliably.
    static let contentType: amqp_flags_t = 1 << 15
    static let contentEncoding: amqp_flags_t = 1 << 14
    static let headers: amqp_flags_t = 1 << 13
    static let deliveryMode: amqp_flags_t = 1 << 12
    static let priority: amqp_flags_t = 1 << 11
    static let correlationId: amqp_flags_t = 1 << 10
    static let replyTo: amqp_flags_t = 1 << 9
    static let expiration: amqp_flags_t = 1 << 8
    static let messageId: amqp_flags_t = 1 << 7
    static let timestamp: amqp_flags_t = 1 << 6
    static let type: amqp_flags_t = 1 << 5
    static let userId: amqp_flags_t = 1 << 4
    static let appId: amqp_flags_t = 1 << 3
    static let clusterId: amqp_flags_t = 1 << 2

    static func encode(_ properties: BasicProperties, in arena: CArena) -> amqp_basic_properties_t {
        var c = amqp_basic_properties_t()
        var flags: amqp_flags_t = 0
        func string(_ value: String?, _ flag: amqp_flags_t) -> amqp_bytes_t {
            guard let value else { return .empty }
            flags |= flag
            return arena.bytes(value)
        }
        c.content_type = string(properties.contentType, contentType)
        c.content_encoding = string(properties.contentEncoding, contentEncoding)
        if let value = properties.headers { flags |= headers; c.headers = TableCoding.encode(value, in: arena) }
        if let value = properties.deliveryMode { flags |= deliveryMode; c.delivery_mode = value }
        if let value = properties.priority { flags |= priority; c.priority = value }
        c.correlation_id = string(properties.correlationId, correlationId)
        c.reply_to = string(properties.replyTo, replyTo)
        c.expiration = string(properties.expiration, expiration)
        c.message_id = string(properties.messageId, messageId)
        if let value = properties.timestamp { flags |= timestamp; c.timestamp = value }
        c.type = string(properties.type, type)
        c.user_id = string(properties.userId, userId)
        c.app_id = string(properties.appId, appId)
        c.cluster_id = string(properties.clusterId, clusterId)
        c._flags = flags
        return c
    }

    static func decode(_ pointer: UnsafePointer<amqp_basic_properties_t>) -> BasicProperties {
        let flags = pointer.pointee._flags
        // No string or table set (e.g. bench/amqp's persistent messages): nothing to look at but numbers.
        if flags & ~(deliveryMode | priority | timestamp) == 0 {
            return BasicProperties(
                deliveryMode: flags & deliveryMode != 0 ? pointer.pointee.delivery_mode : nil,
                priority: flags & priority != 0 ? pointer.pointee.priority : nil,
                timestamp: flags & timestamp != 0 ? pointer.pointee.timestamp : nil)
        }
        return decode(pointer.pointee)
    }

    static func decode(_ c: amqp_basic_properties_t) -> BasicProperties {
        let flags = c._flags
        func string(_ value: amqp_bytes_t, _ flag: amqp_flags_t) -> String? {
            flags & flag != 0 ? value.string : nil
        }
        return BasicProperties(
            contentType: string(c.content_type, contentType),
            contentEncoding: string(c.content_encoding, contentEncoding),
            headers: flags & headers != 0 ? TableCoding.decode(c.headers) : nil,
            deliveryMode: flags & deliveryMode != 0 ? c.delivery_mode : nil,
            priority: flags & priority != 0 ? c.priority : nil,
            correlationId: string(c.correlation_id, correlationId),
            replyTo: string(c.reply_to, replyTo),
            expiration: string(c.expiration, expiration),
            messageId: string(c.message_id, messageId),
            timestamp: flags & timestamp != 0 ? c.timestamp : nil,
            type: string(c.type, type),
            userId: string(c.user_id, userId),
            appId: string(c.app_id, appId),
            clusterId: string(c.cluster_id, clusterId)
        )
    }
}
