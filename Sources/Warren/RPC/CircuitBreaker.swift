/// The health of one RPC target as its callers see it (DESIGN.md: closed, open, half-open).
///
/// A pure state machine: callers ask `admit` before sending and `record` after, with the time
/// passed in, so tests drive it without clocks or sockets. Only failures that speak about the
/// target count (timeouts, no route); a refusal is a healthy answer.
public struct CircuitBreaker: Sendable {
    public struct Settings: Sendable, Hashable {
        /// Failures within `window` that open the circuit, whatever the rate.
        public var failureThreshold = 5
        /// Failure rate within `window` that opens it, once `minimumCalls` were made.
        public var failureRate = 0.5
        public var minimumCalls = 10
        public var window: Duration = .seconds(10)
        /// How long the circuit stays open before probing again.
        public var coolDown: Duration = .seconds(5)
        /// Calls let through while half-open; all must succeed to close.
        public var probes = 1

        public init() {}
    }

    public enum State: String, Sendable {
        case closed, open, halfOpen = "half_open"
    }

    public enum Decision: Sendable, Equatable {
        case send
        /// Fail fast; the circuit may probe again at this instant.
        case reject(retryAt: ContinuousClock.Instant)
    }

    public let settings: Settings
    public private(set) var state: State = .closed
    /// Calls of the window counted per slice of a twentieth of it: recording is O(1) however
    /// many calls a busy caller makes, and old slices leave whole (up to a slice early).
    private var slices: [Slice] = []
    private var openedAt: ContinuousClock.Instant?
    private var probesInFlight = 0
    private var probeSuccesses = 0

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// Whether a call may go out now. Moves an open circuit to half-open once the cool-down passed.
    public mutating func admit(now: ContinuousClock.Instant) -> (Decision, transition: State?) {
        switch state {
        case .closed:
            return (.send, nil)
        case .open:
            let retryAt = openedAt! + settings.coolDown
            guard now >= retryAt else { return (.reject(retryAt: retryAt), nil) }
            state = .halfOpen
            probesInFlight = 1
            probeSuccesses = 0
            return (.send, .halfOpen)
        case .halfOpen:
            guard probesInFlight < settings.probes else { return (.reject(retryAt: now + settings.coolDown), nil) }
            probesInFlight += 1
            return (.send, nil)
        }
    }

    /// Records a finished call; returns the new state when it changed.
    public mutating func record(failed: Bool, now: ContinuousClock.Instant) -> State? {
        switch state {
        case .closed:
            count(failed: failed, now: now)
            let (calls, failures) = slices.reduce(into: (0, 0)) { $0.0 += $1.calls; $0.1 += $1.failures }
            let rate = Double(failures) / Double(calls)
            if failures >= settings.failureThreshold || (calls >= settings.minimumCalls && rate >= settings.failureRate) {
                return open(now)
            }
            return nil
        case .open:
            // A call admitted before the circuit opened, finishing late: it changes nothing.
            return nil
        case .halfOpen:
            probesInFlight = max(0, probesInFlight - 1)
            if failed { return open(now) }
            probeSuccesses += 1
            guard probeSuccesses >= settings.probes else { return nil }
            state = .closed
            slices.removeAll()
            return .closed
        }
    }

    private struct Slice {
        let start: ContinuousClock.Instant
        var calls = 0
        var failures = 0
    }

    private mutating func count(failed: Bool, now: ContinuousClock.Instant) {
        let window = settings.window
        if let first = slices.first, now - first.start > window {
            slices.removeAll { now - $0.start > window }
        }
        if slices.isEmpty || now - slices[slices.count - 1].start >= window / 20 {
            slices.append(Slice(start: now))
        }
        slices[slices.count - 1].calls += 1
        if failed { slices[slices.count - 1].failures += 1 }
    }

    private mutating func open(_ now: ContinuousClock.Instant) -> State {
        state = .open
        openedAt = now
        slices.removeAll()
        probesInFlight = 0
        return .open
    }
}
