import Foundation
import CRabbitMQ

/// AMQP 0-9-1 method numbers: class id in the high 16 bits, method id in the low 16.
///
/// rabbitmq-c defines these as casted macros, which Swift does not import.
enum Method {
    static func number(_ classID: UInt32, _ methodID: UInt32) -> amqp_method_number_t { (classID << 16) | methodID }

    static let connectionClose = number(10, 50)
    static let connectionCloseOk = number(10, 51)
    static let connectionBlocked = number(10, 60)
    static let connectionUnblocked = number(10, 61)

    static let channelOpen = number(20, 10)
    static let channelOpenOk = number(20, 11)
    static let channelFlow = number(20, 20)
    static let channelFlowOk = number(20, 21)
    static let channelClose = number(20, 40)
    static let channelCloseOk = number(20, 41)

    static let exchangeDeclare = number(40, 10)
    static let exchangeDeclareOk = number(40, 11)
    static let exchangeDelete = number(40, 20)
    static let exchangeDeleteOk = number(40, 21)

    static let queueDeclare = number(50, 10)
    static let queueDeclareOk = number(50, 11)
    static let queueBind = number(50, 20)
    static let queueBindOk = number(50, 21)
    static let queuePurge = number(50, 30)
    static let queuePurgeOk = number(50, 31)
    static let queueDelete = number(50, 40)
    static let queueDeleteOk = number(50, 41)
    static let queueUnbind = number(50, 50)
    static let queueUnbindOk = number(50, 51)

    static let basicQos = number(60, 10)
    static let basicQosOk = number(60, 11)
    static let basicConsume = number(60, 20)
    static let basicConsumeOk = number(60, 21)
    static let basicCancel = number(60, 30)
    static let basicCancelOk = number(60, 31)
    static let basicReturn = number(60, 50)
    static let basicDeliver = number(60, 60)
    static let basicAck = number(60, 80)
    static let basicNack = number(60, 120)

    static let confirmSelect = number(85, 10)
    static let confirmSelectOk = number(85, 11)

    /// `queue.declare` for method number 0x0032000A: for error messages.
    static func name(_ method: amqp_method_number_t) -> String {
        guard let cName = amqp_method_name(method) else { return "method \(method >> 16).\(method & 0xFFFF)" }
        // rabbitmq-c names them AMQP_QUEUE_DECLARE_METHOD; AMQP speaks of queue.declare.
        var name = String(cString: cName)
        if name.hasPrefix("AMQP_") { name.removeFirst(5) }
        if name.hasSuffix("_METHOD") { name.removeLast(7) }
        guard let dot = name.firstIndex(of: "_") else { return name.lowercased() }
        let className = name[..<dot].lowercased()
        let methodName = name[name.index(after: dot)...].lowercased().replacingOccurrences(of: "_", with: "-")
        return "\(className).\(methodName)"
    }
}
