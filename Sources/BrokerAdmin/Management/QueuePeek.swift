import Foundation

/// A message sitting in a queue, as the management API shows it: for `warren trace`, which
/// looks for a conversation's messages that nobody has handled yet (a stopped worker's queue)
/// and in the dead-letter queues.
public struct QueuedMessage {
    public var queue: String
    public var properties: [String: Any]
    public var headers: [String: Any]
    public var payload: String
    public var redelivered: Bool

    public var correlationId: String? { properties["correlation_id"] as? String }
    public var messageId: String? { properties["message_id"] as? String }
    public var type: String? { properties["type"] as? String }
    public var sender: String? { properties["app_id"] as? String }
    public var causationId: String? { headers["causation-id"] as? String }
    /// Seconds since 1970, as the envelope's `timestamp` carries it.
    public var timestamp: Double? { (properties["timestamp"] as? NSNumber)?.doubleValue }
}

/// Only read after it is made; its dictionaries hold JSON values (strings, numbers, maps).
extension QueuedMessage: @unchecked Sendable {}

extension ManagementAPI {
    /// Up to `count` messages from the head of `queue`, each put back where it was
    /// (`ack_requeue_true`: the broker requeues them, so nothing is lost, though each is then
    /// marked redelivered). Meant for queues without consumers: with one attached, a peeked
    /// message may go to it meanwhile, which is harmless but makes the view partial.
    public func peek(queue: String, vhost: String, count: Int) async throws(ManagementError) -> [QueuedMessage] {
        let path = Self.path("queues", vhost, queue, "get")
        let body = try? JSONSerialization.data(withJSONObject: ["count": count, "ackmode": "ack_requeue_true", "encoding": "auto", "truncate": 50_000])
        let response = try await send("POST", path, json: body)
        try check(response, "POST", path)
        guard let items = (try? JSONSerialization.jsonObject(with: response.body)) as? [[String: Any]] else {
            throw ManagementError(.unexpectedResponse, "POST \(path) at \(displayURL): not a list of messages")
        }
        return items.map { item in
            let properties = item["properties"] as? [String: Any] ?? [:]
            return QueuedMessage(queue: queue, properties: properties, headers: properties["headers"] as? [String: Any] ?? [:],
                                 payload: item["payload"] as? String ?? "", redelivered: item["redelivered"] as? Bool ?? false)
        }
    }
}
