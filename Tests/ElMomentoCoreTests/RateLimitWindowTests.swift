import ElMomentoTestSupport
import Testing

@testable import ElMomentoCore

/// The rolling window of SPEC 3.7: never more than the limit in any window, exact waits,
/// limits changed on the fly, and memory that does not grow with the limit.
@Suite struct RateLimitWindowTests {
    /// The start of a second, in milliseconds.
    let start: Int64 = 1_796_413_233_000
    let hourMilliseconds: Int64 = 3_600_000

    /// Random request times: bursts within a second, pauses of seconds, and silences of hours.
    private func requestTimes(count: Int, using generator: inout SeededGenerator) -> [Int64] {
        var time = start
        return (0..<count).map { _ in
            switch Int.random(in: 0..<100, using: &generator) {
            case 0..<60: time += Int64.random(in: 0...50, using: &generator)
            case 60..<97: time += Int64.random(in: 0...120_000, using: &generator)
            default: time += Int64.random(in: 0...(2 * hourMilliseconds), using: &generator)
            }
            return time
        }
    }

    @Test(arguments: 1...25 as ClosedRange<UInt64>)
    func noHourEverAdmitsMoreThanTheLimitNorRefusesUnderIt(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let limit = Int.random(in: 1...40, using: &generator)
        var window = RateLimitWindow(windowSeconds: 3600)
        var admitted: [Int64] = []
        for time in requestTimes(count: 4_000, using: &generator) {
            // Admitted in the hour and a second before `time`: a refusal needs the limit there.
            let recent =
                admitted.count - (admitted.firstIndex { $0 > time - hourMilliseconds - 1000 } ?? admitted.count)
            let decision = window.take(limit: limit, atMilliseconds: time)
            if decision.isAllowed {
                admitted.append(time)
            } else {
                #expect(recent >= limit, "refused at \(time) with only \(recent) admitted in the hour before")
            }
        }
        // The fullest window of 3600 s starts at an admitted request.
        var end = 0
        for (index, first) in admitted.enumerated() {
            while end < admitted.count && admitted[end] < first + hourMilliseconds { end += 1 }
            #expect(end - index <= limit, "\(end - index) admitted in the hour from \(first), limit \(limit)")
        }
        #expect(admitted.count > limit, "seed \(seed) never reached a second window")
    }

    @Test func aFullHourAcrossTheClockHourAdmitsNoSecondBurst() {
        var window = RateLimitWindow(windowSeconds: 3600)
        // Five at the end of one clock hour, five more at the start of the next: a fixed
        // window (or GCRA with a burst of five) would admit ten within a few seconds.
        for _ in 0..<5 { #expect(window.take(limit: 5, atMilliseconds: start - 1_000).isAllowed) }
        for offset in stride(from: Int64(0), to: hourMilliseconds, by: 600_000) {
            #expect(!window.take(limit: 5, atMilliseconds: start + offset).isAllowed)
        }
    }

    @Test func headersCountDownAndTellWhenTheOldestRequestLeaves() {
        var window = RateLimitWindow(windowSeconds: 3600)
        let second: Int64 = 1000
        let first = window.take(limit: 3, atMilliseconds: start + 500)
        #expect(
            first == RateLimitDecision(isAllowed: true, limit: 3, remaining: 2, resetSeconds: 3601, windowSeconds: 3600)
        )
        #expect(window.take(limit: 3, atMilliseconds: start + 10 * second).resetSeconds == 3591)
        let third = window.take(limit: 3, atMilliseconds: start + 20 * second + 999)
        #expect((third.isAllowed, third.remaining, third.resetSeconds) == (true, 0, 3581))

        let refused = window.take(limit: 3, atMilliseconds: start + 30 * second)
        #expect(
            refused
                == RateLimitDecision(isAllowed: false, limit: 3, remaining: 0, resetSeconds: 3571, windowSeconds: 3600))
        #expect(refused.retryAfterSeconds == 3571)
        let lastMoment = window.take(limit: 3, atMilliseconds: start + 3601 * second - 1)
        #expect((lastMoment.isAllowed, lastMoment.retryAfterSeconds) == (false, 1))
        let freed = window.take(limit: 3, atMilliseconds: start + 3601 * second)
        #expect((freed.isAllowed, freed.remaining, freed.resetSeconds) == (true, 0, 10))
    }

    @Test func aLoweredLimitWaitsForEnoughRequestsToLeave() {
        var window = RateLimitWindow(windowSeconds: 3600)
        for second in 0..<10 { #expect(window.take(limit: 10, atMilliseconds: start + Int64(second) * 1000).isAllowed) }
        // Lowered to 4: six requests over, so the seventh oldest (second 6) must leave first.
        let refused = window.take(limit: 4, atMilliseconds: start + 100_000)
        #expect(
            refused
                == RateLimitDecision(isAllowed: false, limit: 4, remaining: 0, resetSeconds: 3507, windowSeconds: 3600))
        #expect(!window.take(limit: 4, atMilliseconds: start + 3_606_999).isAllowed)
        #expect(window.take(limit: 4, atMilliseconds: start + 3_607_000).isAllowed)
        // Raised to 20: admitted at once; seconds 7 to 9 and the one just now leave 15.
        #expect(window.take(limit: 20, atMilliseconds: start + 3_607_000).remaining == 15)
    }

    @Test func aLimitOfZeroRefusesWithAWholeWindowToWait() {
        var window = RateLimitWindow(windowSeconds: 60)
        let refused = window.take(limit: 0, atMilliseconds: start)
        #expect((refused.isAllowed, refused.retryAfterSeconds) == (false, 60))
    }

    @Test func peekCountsNothing() {
        var window = RateLimitWindow(windowSeconds: 60)
        #expect(window.peek(limit: 1, atMilliseconds: start).isAllowed)
        #expect(window.peek(limit: 1, atMilliseconds: start).remaining == 1)
        #expect(window.take(limit: 1, atMilliseconds: start).isAllowed)
        let used = window.peek(limit: 1, atMilliseconds: start + 5_000)
        #expect((used.isAllowed, used.retryAfterSeconds) == (false, 56))
        #expect(!window.take(limit: 1, atMilliseconds: start + 5_000).isAllowed)
    }

    @Test func aClockThatStepsBackFreesNothingEarly() {
        var window = RateLimitWindow(windowSeconds: 60)
        #expect(window.take(limit: 1, atMilliseconds: start).isAllowed)
        let stepBack = window.take(limit: 1, atMilliseconds: start - 120_000)
        #expect((stepBack.isAllowed, stepBack.retryAfterSeconds) == (false, 61))
        #expect(window.take(limit: 1, atMilliseconds: start + 61_000).isAllowed)
    }

    @Test func memoryStaysBoundedAtAHugeLimit() {
        var window = RateLimitWindow(windowSeconds: 3600)
        let limit = 1_000_000_000
        var largest = 0
        // Three hours of five requests a second, then 5000 in one second.
        for second in 0..<Int64(3 * 3600) {
            for part in 0..<Int64(5) {
                #expect(window.take(limit: limit, atMilliseconds: start + second * 1000 + part * 200).isAllowed)
            }
            largest = max(largest, window.storedBucketCount)
        }
        #expect(largest <= 2 * 3601)
        let burstStart = start + 4 * hourMilliseconds
        for _ in 0..<5_000 { _ = window.take(limit: limit, atMilliseconds: burstStart + 500) }
        #expect(window.storedBucketCount == 1)
        #expect(window.take(limit: limit, atMilliseconds: burstStart + 999).remaining == limit - 5_001)
    }

    @Test func aWindowIsEmptyOnceItsLastRequestHasLeft() {
        var window = RateLimitWindow(windowSeconds: 60)
        #expect(window.isEmpty(atMilliseconds: start))
        _ = window.take(limit: 5, atMilliseconds: start + 999)
        #expect(!window.isEmpty(atMilliseconds: start + 60_999))
        #expect(window.isEmpty(atMilliseconds: start + 61_000))
    }

    @Test func theHeaderFieldsFollowTheDraftsSyntax() {
        let decision = RateLimitDecision(
            isAllowed: true, limit: 1000, remaining: 997, resetSeconds: 3590, windowSeconds: 3600)
        let fields = decision.headerFields(policyName: "hour")
        #expect(
            fields.map(\.name) == [
                "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "RateLimit-Policy", "RateLimit",
            ])
        #expect(fields.map(\.value) == ["1000", "997", "3590", "\"hour\";q=1000;w=3600", "\"hour\";r=997;t=3590"])
    }
}
