import CRabbitMQ
import Foundation

/// What the connection thread knows about one open channel. Never leaves that thread.
final class ChannelState {
    let number: UInt16
    /// Distinguishes this channel from an earlier one that had the same number.
    let id: UInt64

    /// Synchronous methods awaiting their `-ok`, in the order sent: AMQP answers them in order.
    var pendingReplies: [PendingReply] = []
    var consumers: [String: ConsumerState] = [:] {
        didSet { lastConsumer = nil }
    }
    /// The consumer of the last delivery and its tag: looked up again only when the tag changes.
    var lastConsumer: ConsumerState?
    var lastConsumerTag = ""
    /// Tags of no-ack consumers, kept after cancel: a late delivery to them must not be rejected.
    var noAckConsumerTags: Set<String> = []
    /// Deliveries to manual-ack consumers not settled yet, so acks sent together can be one.
    var unsettled = UnsettledDeliveries()

    var confirmMode = false
    var maxUnconfirmed = 1000
    var nextPublishTag: UInt64 = 1
    /// The smallest delivery tag that may still be unconfirmed.
    var lowestUnconfirmed: UInt64 = 1
    var unconfirmed: [UInt64: Unconfirmed] = [:]
    /// Publishes held back because `maxUnconfirmed` are in flight; sent as confirms arrive.
    var held: [HeldPublish] = []
    var heldHead = 0

    /// A delivery or return whose header and body frames are still arriving.
    var incoming = IncomingContent()
    /// The strings of the last delivery, reused while their bytes repeat (they nearly always do).
    var consumerTagCache = StringCache()
    var exchangeCache = StringCache()
    var routingKeyCache = StringCache()

    init(number: UInt16, id: UInt64) {
        self.number = number
        self.id = id
    }
}

struct PendingReply {
    let expected: [amqp_method_number_t]
    let method: String
    /// Called on the connection thread with the decoded reply, valid only during the call.
    let complete: (Result<UnsafeMutableRawPointer?, RabbitMQError>) -> Void
}

final class Unconfirmed {
    let messageId: String?
    let exchange: String
    let routingKey: String
    let complete: (Result<Void, RabbitMQError>) -> Void
    /// Set when a basic.return for this message arrived before its confirm.
    var returned: RabbitMQError?

    init(_ message: OutgoingMessage, complete: @escaping (Result<Void, RabbitMQError>) -> Void) {
        self.messageId = message.properties.messageId
        self.exchange = message.exchange
        self.routingKey = message.routingKey
        self.complete = complete
    }
}

struct HeldPublish {
    let message: OutgoingMessage
    let complete: (Result<Void, RabbitMQError>) -> Void
}

/// The content being assembled on a channel, kept in place (no optional, no enum payload) so that
/// each frame updates a field instead of copying the whole struct.
struct IncomingContent {
    enum Phase { case idle, header, body }
    enum Kind { case delivery, returned }
    var phase = Phase.idle
    var kind = Kind.delivery
    // basic.deliver
    var consumerTag = ""
    var deliveryTag: UInt64 = 0
    var redelivered = false
    // basic.return
    var replyCode: UInt16 = 0
    var replyText = ""
    // both
    var exchange = ""
    var routingKey = ""
    var properties = BasicProperties()
    var bodySize = 0
    var body = Data()
}

/// The last string decoded from some AMQP short string, returned again while the bytes are the same.
struct StringCache {
    private var bytes: [UInt8] = []
    private var value = ""

    mutating func string(_ raw: amqp_bytes_t) -> String {
        if raw.len == bytes.count {
            if raw.len == 0 { return value }
            if bytes.withUnsafeBytes({ memcmp($0.baseAddress!, raw.bytes, raw.len) }) == 0 { return value }
        }
        value = raw.string
        bytes = raw.array
        return value
    }
}
