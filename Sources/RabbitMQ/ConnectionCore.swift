import CRabbitMQ
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One rabbitmq-c connection and the thread that owns it.
///
/// rabbitmq-c is blocking and not thread-safe per connection, so every C call on `state` happens on
/// this object's own thread (DESIGN.md, "Threading rule"). Other threads hand it jobs through
/// `inbox` and a wake-up pipe; the thread waits in `poll` on the socket and that pipe, never
/// sleeping, so a delivery or a confirm is handled as soon as its bytes arrive.
///
/// `@unchecked Sendable`: the mutable state below `inbox` is touched only on the connection thread;
/// `inbox` is protected by its mutex.
final class ConnectionCore: @unchecked Sendable {
    typealias Job = @Sendable (ConnectionCore) -> Void

    /// Connection threads alive in this process: tests check that an ended connection leaves none behind.
    static let liveThreads = Atomic<Int>(0)

    /// What other threads hand the connection thread: a call to make, or a task to run (a task
    /// that prefers this thread as its executor, see `Connection.taskExecutor`).
    private enum Work {
        case call(Job)
        case task(UnownedJob)
    }

    private struct Inbox {
        var jobs: [Work] = []
        /// A byte is in the wake-up pipe that the connection thread has not read yet.
        var wakePending = false
        /// The connection thread is in (or about to enter) a `poll` that may block: only then do
        /// submitters write to the pipe. A busy thread runs the jobs before it polls again, so
        /// acks submitted while it reads the socket cost no system call.
        var sleeping = false
        var terminated: RabbitMQError?
        var terminationWaiters: [UInt64: CheckedContinuation<RabbitMQError?, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }

    let configuration: Configuration
    let logger: Logger
    private let inbox = Mutex(Inbox())
    private let wakeRead: Int32
    private let wakeWrite: Int32

    // Confined to the connection thread.
    var state: amqp_connection_state_t!
    /// Open channels by number: an array, because every frame looks its channel up.
    var channels = ChannelTable()
    /// Consumers that received deliveries during the current read of the socket.
    var consumersToFlush: [ConsumerState] = []
    var closedChannels: [UInt64: RabbitMQError] = [:]
    private var nextChannelNumber: UInt16 = 1
    private var nextChannelID: UInt64 = 1
    private(set) var channelMax: UInt16 = 2047
    private(set) var heartbeat = 0
    private var lastInbound: UInt64 = 0
    private var lastLibraryRead: UInt64 = 0
    private var running = true
    /// Callers of `close()` waiting for the broker's close-ok.
    var closeWaiters: [Promise<Void>] = []
    /// The reason the connection ended, once it has.
    private(set) var termination: RabbitMQError?

    /// Negotiated in the handshake; read by other threads only after `connect` returned.
    private(set) var negotiatedFrameMax = 0
    private(set) var serverProperties: FieldTable = [:]

    private init(configuration: Configuration, logger: Logger) throws(RabbitMQError) {
        self.configuration = configuration
        self.logger = logger
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw RabbitMQError(.connectionFailed, "cannot create the wake-up pipe: \(String(cString: strerror(errno)))")
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    /// Starts the connection thread, which connects and logs in, then serves jobs and frames.
    static func connect(_ configuration: Configuration, logger: Logger) async throws -> ConnectionCore {
        let core = try ConnectionCore(configuration: configuration, logger: logger)
        let connected: Void = try await withUnsafeThrowingContinuation { continuation in
            let thread = Thread {
                // Named from inside: a name set before `start()` does not reach the kernel on
                // Linux, which also refuses one over 15 bytes (the thread keeps the pool's name).
                Thread.current.name = "amqp:\(configuration.port)"
                core.run(connected: continuation)
            }
            thread.start()
        }
        _ = connected
        return core
    }

    // MARK: - Handing work to the connection thread

    /// Queues a job for the connection thread; returns the termination error if the connection is gone.
    func submit(_ job: @escaping Job) -> RabbitMQError? {
        hand(.call(job))
    }

    /// Queues a task's job for the connection thread; false once the connection is gone.
    func submit(task job: UnownedJob) -> Bool {
        hand(.task(job)) == nil
    }

    /// The wake-up byte is written after the lock is released: written under it, the woken
    /// thread ran into the lock still held for the system call and slept on it again (a
    /// priority-inheritance futex: two more context switches per wake-up, 5 % of a busy
    /// worker's CPU). The pipe stays open until `deinit`, so a late write is harmless.
    private func hand(_ work: Work) -> RabbitMQError? {
        let (refusal, wake) = inbox.withLock { box -> (RabbitMQError?, Bool) in
            if let error = box.terminated { return (error, false) }
            box.jobs.append(work)
            guard box.sleeping && !box.wakePending else { return (nil, false) }
            box.wakePending = true
            return (nil, true)
        }
        if wake {
            var byte: UInt8 = 1
            _ = write(wakeWrite, &byte, 1)
        }
        return refusal
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    /// Runs `body` on the connection thread and waits for it to resolve the promise.
    func perform<Value: Sendable>(_ body: @escaping @Sendable (ConnectionCore, Promise<Value>) -> Void) async throws -> Value {
        try await withUnsafeThrowingContinuation { continuation in
            let promise = Promise(continuation)
            if let error = submit({ core in body(core, promise) }) {
                promise.fail(error)
            }
        }
    }

    /// Waits until the connection has ended; nil when it was closed by us without error, or
    /// when the waiting task is cancelled (the connection itself is not affected).
    func waitForTermination() async -> RabbitMQError? {
        let id = inbox.withLock { box -> UInt64 in
            box.nextWaiter += 1
            return box.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ended: RabbitMQError?? = inbox.withLock { box in
                    if let error = box.terminated { return .some(error) }
                    if Task.isCancelled { return .some(nil) }
                    box.terminationWaiters[id] = continuation
                    return .none
                }
                if case .some(let ended) = ended {
                    continuation.resume(returning: ended.flatMap { $0.code == .closedByClient ? nil : $0 })
                }
            }
        } onCancel: {
            inbox.withLock { $0.terminationWaiters.removeValue(forKey: id) }?.resume(returning: nil)
        }
    }

    var isTerminated: Bool { inbox.withLock { $0.terminated != nil } }

    // MARK: - The connection thread

    private func run(connected: UnsafeContinuation<Void, any Error>) {
        Self.liveThreads.add(1, ordering: .relaxed)
        defer { Self.liveThreads.subtract(1, ordering: .relaxed) }
        do {
            try establish()
        } catch {
            connected.resume(throwing: error)
            if state != nil { amqp_destroy_connection(state) }
            state = nil
            finish(error)
            return
        }
        connected.resume()
        loop()
    }

    private func establish() throws(RabbitMQError) {
        let options = configuration.options
        state = amqp_new_connection()
        guard let socket = options.tls == nil ? amqp_tcp_socket_new(state) : amqp_ssl_socket_new(state) else {
            throw RabbitMQError(.connectionFailed, "rabbitmq-c could not create a socket")
        }
        if let tls = options.tls {
            if let file = tls.caCertificateFile, amqp_ssl_socket_set_cacert(socket, file) != Status.ok {
                throw RabbitMQError(.connectionFailed, "cannot read the CA certificate file \(file)")
            }
            if let cert = tls.certificateFile, let key = tls.keyFile, amqp_ssl_socket_set_key(socket, cert, key) != Status.ok {
                throw RabbitMQError(.connectionFailed, "cannot read the client certificate \(cert) or key \(key)")
            }
            amqp_ssl_socket_set_verify_peer(socket, tls.verifyPeer ? 1 : 0)
            amqp_ssl_socket_set_verify_hostname(socket, tls.verifyHostname ? 1 : 0)
        }
        var timeout = timeval(tv_sec: options.connectionTimeout, tv_usec: 0)
        let opened = amqp_socket_open_noblock(socket, configuration.host, Int32(configuration.port), &timeout)
        guard opened == Status.ok else {
            throw RabbitMQError(.connectionFailed, "cannot reach \(configuration.host):\(configuration.port): \(Status.text(opened))", status: opened)
        }
        _ = amqp_set_handshake_timeout(state, &timeout)
        _ = amqp_set_rpc_timeout(state, &timeout)

        let arena = CArena()
        var properties = TableCoding.encode(clientProperties, in: arena)
        let reply = warren_amqp_login_plain(
            state, configuration.virtualHost, Int32(options.channelMax), Int32(options.frameMax),
            Int32(options.heartbeat), &properties, configuration.user, configuration.password)
        if let error = Self.error(from: reply, method: "connection.open", connectionLevel: true) {
            throw error
        }
        // Handshake RPCs must not time out later calls: from here we never block on the library.
        _ = amqp_set_rpc_timeout(state, nil)
        heartbeat = Int(amqp_get_heartbeat(state))
        negotiatedFrameMax = Int(amqp_get_frame_max(state))
        let max = Int(amqp_get_channel_max(state))
        channelMax = UInt16(clamping: max == 0 ? 2047 : max)
        if let server = amqp_get_server_properties(state) {
            serverProperties = TableCoding.decode(server.pointee)
        }
        lastInbound = Clock.now()
        logger.debug("connected to broker", metadata: [
            "amqp.url": "\(configuration)", "amqp.heartbeat": "\(heartbeat)", "amqp.frame_max": "\(negotiatedFrameMax)",
        ])
    }

    private var clientProperties: FieldTable {
        var properties: FieldTable = [
            "product": "warren",
            "platform": "Swift",
            "capabilities": [
                "publisher_confirms": true,
                "consumer_cancel_notify": true,
                "basic.nack": true,
                "exchange_exchange_bindings": true,
                "connection.blocked": true,
                "authentication_failure_close": true,
            ],
        ]
        if let name = configuration.options.connectionName { properties["connection_name"] = .string(name) }
        return properties
    }

    private var tickMilliseconds: Int32 {
        // A quarter heartbeat: heartbeats go out in time and silence is noticed promptly.
        heartbeat > 0 ? Int32(max(100, heartbeat * 250)) : 5000
    }

    private func loop() {
        var fds = [
            pollfd(fd: amqp_get_sockfd(state), events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
        ]
        while running {
            runJobs()
            guard running else { break }
            // Frames may already sit in the library's buffer: then do not wait for the socket.
            let buffered = amqp_frames_enqueued(state) != 0 || amqp_data_in_buffer(state) != 0
            // Nor when jobs arrived since runJobs; otherwise tell submitters to wake us.
            let mayBlock = !buffered && inbox.withLock { box in
                guard box.jobs.isEmpty else { return false }
                box.sleeping = true
                return true
            }
            fds[0].revents = 0
            fds[1].revents = 0
            let ready = poll(&fds, 2, mayBlock ? tickMilliseconds : 0)
            let pollError = ready < 0 ? errno : 0
            let woken = fds[1].revents != 0
            if mayBlock || woken {
                inbox.withLock { box in
                    box.sleeping = false
                    // Cleared before the read (and no one writes while we are not sleeping), so
                    // a byte is in the pipe whenever wakePending is set: no wake-up is lost.
                    if woken { box.wakePending = false }
                }
            }
            if woken { drainWakePipe() }
            if ready < 0 && pollError != EINTR {
                terminate(RabbitMQError(.connectionLost, "poll failed: \(String(cString: strerror(pollError)))"))
                break
            }
            let readable = fds[0].revents != 0
            let now = Clock.now()
            if readable { lastInbound = now }
            // A tick without a library call is also due when jobs kept the poll from blocking.
            if readable || buffered || (ready == 0 && mayBlock) || now - lastLibraryRead > UInt64(tickMilliseconds) * 1_000_000 {
                // Also sends a heartbeat when one is due (rabbitmq-c does that inside its calls).
                lastLibraryRead = now
                readFrames()
            }
            if running && heartbeat > 0 && now - lastInbound > UInt64(heartbeat) * 1_500_000_000 {
                terminate(RabbitMQError(.heartbeatTimeout, "nothing received from \(configuration.host):\(configuration.port) for \(Double(heartbeat) * 1.5) s (heartbeat \(heartbeat) s): the broker or the network is gone"))
            }
            if running { amqp_maybe_release_buffers(state) }
        }
        runJobs()  // fail whatever arrived meanwhile
        amqp_destroy_connection(state)
        state = nil
    }

    /// Jobs taken from the inbox by swapping arrays, so neither side allocates in the steady state.
    private var runningJobs: [Work] = []

    private func runJobs() {
        inbox.withLock { box in
            guard !box.jobs.isEmpty else { return }
            swap(&box.jobs, &runningJobs)
        }
        guard !runningJobs.isEmpty else { return }
        // Several jobs (a group's acks, say) leave in one TCP segment, not one each: every
        // segment wakes the broker's reader on its own.
        let corked = runningJobs.count > 1 && cork(true)
        for work in runningJobs {
            switch work {
            case .call(let job): job(self)
            case .task(let job): runTask(job)
            }
        }
        runningJobs.removeAll(keepingCapacity: true)
        if corked { _ = cork(false) }
    }

    /// Holds (true) or sends (false) what is written to the socket; false when there is none.
    private func cork(_ on: Bool) -> Bool {
        guard let state, running else { return false }
        let socket = amqp_get_sockfd(state)
        guard socket >= 0 else { return false }
        var value: Int32 = on ? 1 : 0
        return setsockopt(socket, Int32(IPPROTO_TCP), TCP_CORK, &value, socklen_t(MemoryLayout<Int32>.size)) == 0
    }

    private func runTask(_ job: UnownedJob) {
        if #available(macOS 15, iOS 18, tvOS 18, watchOS 11, *) {
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }

    /// One read: at most a byte or two are ever in the pipe (see `Inbox.wakePending`); should more
    /// remain, the next `poll` returns at once and this runs again.
    private func drainWakePipe() {
        var buffer: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        _ = withUnsafeMutableBytes(of: &buffer) { read(wakeRead, $0.baseAddress, $0.count) }
    }

    /// Reads until the socket has nothing more (EAGAIN): stopping as soon as the library's buffer
    /// is empty was measured worse, as smaller reads mean more, smaller batches and so more
    /// wake-ups of the consuming task. Always makes at least one library call, which is where
    /// rabbitmq-c sends a heartbeat that is due.
    private func readFrames() {
        var budget = 512
        defer { flushDeliveries() }
        while running && budget > 0 {
            var frame = amqp_frame_t()
            var immediately = timeval(tv_sec: 0, tv_usec: 0)
            let status = amqp_simple_wait_frame_noblock(state, &frame, &immediately)
            if status == Status.ok {
                budget -= 1
                dispatch(frame)
                continue
            }
            if status == Status.timeout { return }
            let code: RabbitMQError.Code = status == Status.heartbeatTimeout ? .heartbeatTimeout : .connectionLost
            terminate(RabbitMQError(code, "\(configuration.host):\(configuration.port): \(Status.text(status))", status: status))
            return
        }
    }

    /// Hands each consumer the deliveries of this read in one batch.
    func flushDeliveries() {
        guard !consumersToFlush.isEmpty else { return }
        for consumer in consumersToFlush { consumer.flush() }
        consumersToFlush.removeAll(keepingCapacity: true)
    }

    // MARK: - Channels

    func allocateChannel() -> ChannelState? {
        // Numbers are not reused until they wrap, so a stale handle rarely meets a new channel;
        // the id check in `channel(_:id:)` catches the rest.
        for _ in 0..<Int(channelMax) {
            let number = nextChannelNumber
            nextChannelNumber = nextChannelNumber >= channelMax ? 1 : nextChannelNumber + 1
            if channels[number] == nil {
                let channel = ChannelState(number: number, id: nextChannelID)
                nextChannelID += 1
                channels[number] = channel
                return channel
            }
        }
        return nil
    }

    /// The open channel a handle refers to, or the reason it is not open.
    func channel(_ number: UInt16, id: UInt64) -> Result<ChannelState, RabbitMQError> {
        if let termination { return .failure(termination) }
        if let channel = channels[number], channel.id == id { return .success(channel) }
        if let reason = closedChannels[id] { return .failure(reason) }
        return .failure(RabbitMQError(.channelClosed, "channel \(number) is closed"))
    }

    /// Fails everything waiting on a channel and forgets it.
    func dropChannel(_ channel: ChannelState, reason: RabbitMQError) {
        flushDeliveries()
        channels[channel.number] = nil
        closedChannels[channel.id] = reason
        let replies = channel.pendingReplies
        channel.pendingReplies = []
        for reply in replies { reply.complete(.failure(reason)) }
        for (_, consumer) in channel.consumers { consumer.finish(throwing: reason) }
        channel.consumers = [:]
        let unconfirmed = channel.unconfirmed
        channel.unconfirmed = [:]
        for (_, entry) in unconfirmed { entry.complete(.failure(reason)) }
        let held = channel.held[channel.heldHead...]
        channel.held = []
        channel.heldHead = 0
        for entry in held { entry.complete(.failure(reason)) }
    }

    // MARK: - Ending

    /// Ends the connection: every waiter fails with `reason`, and the thread stops.
    func terminate(_ reason: RabbitMQError) {
        guard running else { return }
        running = false
        termination = reason
        if reason.code == .closedByClient {
            logger.debug("connection closed", metadata: ["amqp.url": "\(configuration)"])
        } else {
            logger.warning("connection ended", metadata: ["amqp.url": "\(configuration)", "error": "\(reason)"])
        }
        for channel in channels.all { dropChannel(channel, reason: reason) }
        // Marked ended before `close()` returns: work handed over after it (an ack, say) is
        // then refused with the reason, not queued for a thread that will never run it.
        finish(reason)
        let waiters = closeWaiters
        closeWaiters = []
        for waiter in waiters {
            if reason.code == .closedByClient { waiter.succeed() } else { waiter.fail(reason) }
        }
    }

    private func finish(_ reason: RabbitMQError) {
        let waiters = inbox.withLock { box in
            box.terminated = reason
            defer { box.terminationWaiters = [:] }
            return box.terminationWaiters
        }
        for waiter in waiters.values { waiter.resume(returning: reason.code == .closedByClient ? nil : reason) }
    }

    /// Sends a method; a failure to write ends the connection.
    @discardableResult
    func send<Body>(_ channel: UInt16, _ method: amqp_method_number_t, _ body: inout Body) -> Bool {
        let status = amqp_send_method(state, channel, method, &body)
        if status != Status.ok {
            terminate(RabbitMQError(.connectionLost, "cannot send \(Method.name(method)): \(Status.text(status))", status: status))
            return false
        }
        return true
    }

    /// Sends a synchronous method and registers the handler of its `-ok`.
    func call<Body>(_ channel: ChannelState, _ method: amqp_method_number_t, _ body: inout Body, expecting reply: amqp_method_number_t,
                    complete: @escaping (Result<UnsafeMutableRawPointer?, RabbitMQError>) -> Void) {
        channel.pendingReplies.append(PendingReply(expected: [reply], method: Method.name(method), complete: complete))
        send(channel.number, method, &body)
    }

    /// Turns a handshake or RPC reply of rabbitmq-c into our error, or nil when it succeeded.
    static func error(from reply: amqp_rpc_reply_t, method: String, connectionLevel: Bool) -> RabbitMQError? {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return nil
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            if reply.reply.id == Method.connectionClose, let decoded = reply.reply.decoded {
                let close = decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
                let code: RabbitMQError.Code = (close.reply_code == 403 || close.reply_code == 530) ? .accessRefused : .connectionClosed
                return RabbitMQError(code, close.reply_text.string, replyCode: close.reply_code, method: method)
            }
            if reply.reply.id == Method.channelClose, let decoded = reply.reply.decoded {
                let close = decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
                return RabbitMQError(.channelClosed, close.reply_text.string, replyCode: close.reply_code, method: method)
            }
            return RabbitMQError(.protocolError, "unexpected \(Method.name(reply.reply.id))", method: method)
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            let status = reply.library_error
            // RabbitMQ closes the socket on bad credentials when the client does not ask for a close frame.
            return RabbitMQError(connectionLevel ? .connectionFailed : .connectionLost, Status.text(status), method: method, status: status)
        default:
            return RabbitMQError(.protocolError, "no reply", method: method)
        }
    }
}

/// rabbitmq-c status codes, which Swift imports as enum cases.
enum Status {
    static let ok = AMQP_STATUS_OK.rawValue
    static let timeout = AMQP_STATUS_TIMEOUT.rawValue
    static let heartbeatTimeout = AMQP_STATUS_HEARTBEAT_TIMEOUT.rawValue
    static let unexpectedState = AMQP_STATUS_UNEXPECTED_STATE.rawValue

    static func text(_ status: Int32) -> String {
        String(cString: amqp_error_string2(status))
    }
}

/// Monotonic nanoseconds, for heartbeat bookkeeping.
enum Clock {
    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}

/// The connection thread as a task executor: a task that prefers it runs between frames on this
/// thread, so its deliveries reach it and its acks reach the socket without a thread switch.
@available(macOS 15, iOS 18, tvOS 18, watchOS 11, *)
extension ConnectionCore: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if !submit(task: job) {
            // The connection has ended and its thread is gone: the task must still run somewhere.
            globalConcurrentExecutor.enqueue(job)
        }
    }
}
