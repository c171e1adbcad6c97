import Testing
@testable import Warren

/// The breaker as a state machine, with the clock in the test's hands.
@Suite struct CircuitBreakerTests {
    let start = ContinuousClock.now

    func settings(failures: Int = 3, rate: Double = 0.5, minimumCalls: Int = 10) -> CircuitBreaker.Settings {
        var settings = CircuitBreaker.Settings()
        settings.failureThreshold = failures
        settings.failureRate = rate
        settings.minimumCalls = minimumCalls
        settings.window = .seconds(10)
        settings.coolDown = .seconds(5)
        return settings
    }

    @Test func opensAfterTheFailureCountWithinTheWindow() {
        var breaker = CircuitBreaker(settings: settings())
        #expect(breaker.record(failed: true, now: start) == nil)
        #expect(breaker.record(failed: true, now: start + .seconds(1)) == nil)
        #expect(breaker.record(failed: true, now: start + .seconds(2)) == .open)
        #expect(breaker.admit(now: start + .seconds(3)).0 == .reject(retryAt: start + .seconds(7)))
    }

    @Test func failuresOutsideTheWindowAreForgotten() {
        var breaker = CircuitBreaker(settings: settings())
        _ = breaker.record(failed: true, now: start)
        _ = breaker.record(failed: true, now: start + .seconds(1))
        #expect(breaker.record(failed: true, now: start + .seconds(12)) == nil)
        #expect(breaker.state == .closed)
    }

    @Test func opensOnTheFailureRateOnceEnoughCallsWereMade() {
        var breaker = CircuitBreaker(settings: settings(failures: 100, rate: 0.5, minimumCalls: 4))
        _ = breaker.record(failed: false, now: start)
        _ = breaker.record(failed: true, now: start)
        _ = breaker.record(failed: false, now: start)
        #expect(breaker.record(failed: true, now: start) == .open)
    }

    @Test func halfOpenAfterTheCoolDownThenClosesOnASuccessfulProbe() {
        var breaker = CircuitBreaker(settings: settings(failures: 1))
        _ = breaker.record(failed: true, now: start)
        let (decision, transition) = breaker.admit(now: start + .seconds(5))
        #expect(decision == .send && transition == .halfOpen)
        // One probe at a time: a second caller is still turned away.
        #expect(breaker.admit(now: start + .seconds(5)).0 != .send)
        #expect(breaker.record(failed: false, now: start + .seconds(6)) == .closed)
        #expect(breaker.admit(now: start + .seconds(6)).0 == .send)
    }

    @Test func aFailedProbeOpensTheCircuitAgain() {
        var breaker = CircuitBreaker(settings: settings(failures: 1))
        _ = breaker.record(failed: true, now: start)
        _ = breaker.admit(now: start + .seconds(5))
        #expect(breaker.record(failed: true, now: start + .seconds(6)) == .open)
        #expect(breaker.admit(now: start + .seconds(7)).0 == .reject(retryAt: start + .seconds(11)))
    }
}
