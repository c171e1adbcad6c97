import Foundation
import Logging
import RabbitMQ
import Synchronization
import Topology
import Warren

/// bench/rpc's subjects: the full RPC (a `cashier` worker whose handler writes one row, called
/// through `RPCClient`) and its reference, a raw direct reply-to round trip written with our
/// RabbitMQ client against a no-op server.
enum RPCBench {
    struct Pay: RPCRequest {
        typealias Reply = Paid
        static let type = "cashier.Pay"
        var orderId: String
        var amount: Int
    }

    struct Paid: Warren.Message {
        static let type = "cashier.PayReply"
        var paid: Bool
        var paymentId: Int
    }

    static var cashier: BoundedContext {
        var context = BoundedContext("cashier", system: "bench", migrations: [
            Migration(1, "payments", "CREATE TABLE payments (id bigserial PRIMARY KEY, order_id text NOT NULL, amount bigint NOT NULL)"),
        ])
        context.serve(Pay.self) { pay, handling in
            let rows = try await handling.database.query("INSERT INTO payments (order_id, amount) VALUES ($1, $2) RETURNING id",
                                                         [pay.orderId, pay.amount], prepared: true)
            return Paid(paid: true, paymentId: try rows[0].decode(Int.self, at: 0))
        }
        return context
    }

    static func run(_ arguments: [String]) async throws {
        let options = Options(arguments)
        let url = options.string("url", ProcessInfo.processInfo.environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/%2f")
        let queue = options.string("queue", rawQueue)
        switch arguments.first {
        case "rpc-serve-raw":
            try await serveRaw(url: url, queue: queue)
        case "rpc-call-raw":
            // --like-rpc TYPE: each request as RPCClient sends it to that endpoint (see `callRaw`).
            var endpoint: RPCEndpoint?
            if let type = options.optional("like-rpc") {
                let (fleet, _) = try TopologyDirectory(options.string("topology", "bench/topology")).check(system: "bench")
                guard let found = fleet.rpc(type) else { throw BenchError("--like-rpc: \(type) is not an RPC endpoint of the topology") }
                endpoint = found
            }
            let latencies = try await callRaw(url: url, queue: queue, count: options.int("count", 2000),
                                              concurrency: options.int("concurrency", 16), like: endpoint)
            print(latencies.json)
        default:
            let topology = options.string("topology", "bench/topology")
            let latencies = try await callFull(url: url, topology: topology, count: options.int("count", 2000),
                                               concurrency: options.int("concurrency", 16))
            print(latencies.json)
        }
    }

    /// The reference server: takes each request, answers `{}` to its `reply_to`, acks.
    static func serveRaw(url: String, queue: String) async throws {
        let connection = try await Connection.connect(url: url)
        let channel = try await connection.openChannel()
        try await declareIfOwn(queue, on: channel)
        try await channel.qos(prefetchCount: 64)
        let replies = try await connection.openChannel()
        FileHandle.standardOutput.write(Data("ready\n".utf8))
        for try await delivery in try await channel.consume(queue: queue) {
            if let replyTo = delivery.properties.replyTo {
                let properties = BasicProperties(contentType: "application/json", correlationId: delivery.properties.correlationId)
                try await replies.publish(OutgoingMessage(routingKey: replyTo, body: Data("{}".utf8), properties: properties, mandatory: false))
            }
            try await delivery.ack()
        }
    }

    /// The queue the reference servers take requests from unless told another.
    static let rawQueue = "warren.bench.rpc-raw"

    /// Declares `queue` when it is the reference's own (a quorum queue like an RPC queue); any
    /// other, such as the cashier's `cashier.rpc`, is the topology's and has its own arguments.
    static func declareIfOwn(_ queue: String, on channel: Channel) async throws {
        guard queue == rawQueue else { return }
        _ = try await channel.declareQueue(queue, durable: true, arguments: ["x-queue-type": .string("quorum")])
    }

    /// The reference client: direct reply-to on one channel, calls matched by correlation id.
    ///
    /// With `like`, each request is what `RPCClient` sends to that endpoint (its envelope and
    /// deadline, through the endpoint's exchange, mandatory, confirmed) and nothing else of the
    /// client is there: bench/rpc-floor's measure of what the request itself costs.
    static func callRaw(url: String, queue: String, count: Int, concurrency: Int, like endpoint: RPCEndpoint? = nil) async throws -> Latencies {
        let connection = try await Connection.connect(url: url)
        let channel = try await connection.openChannel()
        if endpoint != nil { try await channel.enablePublisherConfirms(maxUnconfirmed: 10_000) }
        let calls = RawCalls()
        let replies = try await channel.consume(queue: "amq.rabbitmq.reply-to", noAck: true)
        let reader = Task {
            for try await delivery in replies {
                if let id = delivery.properties.correlationId { calls.end(id) }
            }
        }
        defer { reader.cancel() }
        let body = Data(#"{"orderId":"x","amount":1}"#.utf8)
        let latencies = try await measure(count: count, concurrency: concurrency) { index in
            let (id, request): (String, OutgoingMessage)
            if let endpoint {
                var envelope = Envelope(type: endpoint.type, appId: "bench")
                request = RPCClient.request(to: endpoint, body: body, envelope: &envelope, deadline: .seconds(10))
                id = envelope.correlationId
            } else {
                id = "raw-\(index)"
                let properties = BasicProperties(contentType: "application/json", correlationId: id, replyTo: "amq.rabbitmq.reply-to")
                request = OutgoingMessage(routingKey: queue, body: body, properties: properties, mandatory: false)
            }
            await withCheckedContinuation { continuation in
                calls.start(id, continuation)
                Task {
                    // Returned, nacked or lost: no reply will come, so the call ends here and the run fails.
                    do { try await channel.publish(request) } catch { calls.end(id, refused: "\(error)") }
                }
            }
        }
        try await connection.close()
        if let reason = calls.refusal { throw BenchError("a request was not taken by the broker: \(reason)") }
        return latencies
    }

    /// The raw client's calls waiting for their reply, by correlation id.
    final class RawCalls: Sendable {
        private let waiting = Mutex<[String: CheckedContinuation<Void, Never>]>([:])
        private let refused = Mutex<String?>(nil)

        /// The first reason a request was not taken, if one was not.
        var refusal: String? { refused.withLock { $0 } }

        func start(_ id: String, _ continuation: CheckedContinuation<Void, Never>) {
            waiting.withLock { $0[id] = continuation }
        }

        func end(_ id: String, refused reason: String? = nil) {
            if let reason { refused.withLock { $0 = $0 ?? reason } }
            waiting.withLock { $0.removeValue(forKey: id) }?.resume()
        }
    }

    /// The full RPC through `RPCClient`: deadline, breaker, inbox, one row, reply.
    static func callFull(url: String, topology: String, count: Int, concurrency: Int) async throws -> Latencies {
        let (fleet, _) = try TopologyDirectory(topology).check(system: "bench")
        var logger = Logger(label: "bench.rpc")
        logger.logLevel = .warning
        let client = RPCClient(configuration: .init(amqp: try Configuration(url: url)), fleet: fleet, caller: "bench", logger: logger)
        let running = Task { try await client.run() }
        defer { running.cancel() }
        await client.connected()
        let run = UUID().uuidString.prefix(8)
        return try await measure(count: count, concurrency: concurrency) { index in
            _ = try await client.call(Pay(orderId: "\(run)-\(index)", amount: 1), deadline: .seconds(10))
        }
    }

    struct Latencies {
        var seconds: Double
        var samples: [Double]
        /// CPU seconds this process used while measuring (user and system).
        var cpuSeconds: Double = 0

        var json: String {
            let sorted = samples.sorted()
            func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
            let rate = Double(samples.count) / seconds
            return String(format: #"{"calls":%d,"per_s":%.1f,"p50_ms":%.2f,"p99_ms":%.2f,"client_cpu_s":%.3f}"#, samples.count, rate,
                          percentile(0.50) * 1000, percentile(0.99) * 1000, cpuSeconds)
        }
    }

    /// User and system CPU seconds of this process so far.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// Runs `count` calls from `concurrency` tasks and times each.
    static func measure(count: Int, concurrency: Int, _ call: @escaping @Sendable (Int) async throws -> Void) async throws -> Latencies {
        let clock = ContinuousClock()
        let cpuBefore = processCPUSeconds()
        let started = clock.now
        let samples = try await withThrowingTaskGroup(of: [Double].self) { group in
            for first in 0..<concurrency {
                group.addTask {
                    var mine: [Double] = []
                    for index in stride(from: first, to: count, by: concurrency) {
                        let start = clock.now
                        try await call(index)
                        let elapsed = clock.now - start
                        mine.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
                    }
                    return mine
                }
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all
        }
        let total = clock.now - started
        return Latencies(seconds: Double(total.components.seconds) + Double(total.components.attoseconds) / 1e18, samples: samples,
                         cpuSeconds: processCPUSeconds() - cpuBefore)
    }
}
