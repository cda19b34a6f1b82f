import ElMomentoCore
import ElMomentoTestSupport
import Testing

@Suite struct CallbackRetryScheduleTests {
    let schedule = CallbackRetrySchedule()
    let first: Int64 = 1_766_825_847_000

    /// Every attempt of a callback that never succeeds, each made the moment it is due, with
    /// no jitter: the times in seconds after the first attempt.
    func attemptTimesSeconds(_ schedule: CallbackRetrySchedule, statusCode: Int? = 500) -> [Int64] {
        var now = first
        var times: [Int64] = [0]
        var attempt = 1
        while case .retry(let next) = schedule.decision(
            afterAttempt: attempt, statusCode: statusCode, retryAfterSeconds: nil, firstAttemptAtMilliseconds: first,
            nowMilliseconds: now, jitter: 1)
        {
            #expect(next > now)
            now = next
            times.append((now - first) / 1000)
            attempt += 1
        }
        return times
    }

    @Test func theWholeScheduleWithoutJitterFollowsTheSpecFor72Hours() {
        let eightHours: Int64 = 28_800
        let beforeEightHourWaits: [Int64] = [0, 10, 40, 160, 760, 2_560, 6_160, 13_360, 27_760, 56_560]
        let eightHourly = (1...7).map { 56_560 + $0 * eightHours }
        #expect(attemptTimesSeconds(schedule) == beforeEightHourWaits + eightHourly)
        #expect(eightHourly.last! <= 72 * 3_600)
        #expect(eightHourly.last! + eightHours > 72 * 3_600)
    }

    @Test func waitsAreTheSpecListThenEightHoursEach() {
        let waits = (1...12).map { schedule.waitMilliseconds(afterAttempt: $0) / 1000 }
        #expect(waits == [10, 30, 120, 600, 1_800, 3_600, 7_200, 14_400, 28_800, 28_800, 28_800, 28_800])
    }

    @Test func aSmallerBaseShrinksEveryWaitAndTheHorizonAlike() {
        let fast = CallbackRetrySchedule(baseSeconds: 1)
        #expect((1...4).map { fast.waitMilliseconds(afterAttempt: $0) } == [1_000, 3_000, 12_000, 60_000])
        #expect(fast.horizonMilliseconds == 25_920_000)
        #expect(fast.retryAfterMillisecondsMax == 8_640_000)
        #expect(
            attemptTimesSeconds(CallbackRetrySchedule(baseSeconds: 0.1)).count == attemptTimesSeconds(schedule).count)
    }

    @Test func jitterStaysWithinTwentyPercentAndVaries() {
        for seed in UInt64(0)..<200 {
            var generator = SeededGenerator(seed: seed)
            let now = first + 5_000
            for attempt in [1, 5, 12] {
                let base = schedule.waitMilliseconds(afterAttempt: attempt)
                guard
                    case .retry(let at) = schedule.decision(
                        afterAttempt: attempt, statusCode: nil, retryAfterSeconds: nil,
                        firstAttemptAtMilliseconds: first, nowMilliseconds: now, using: &generator)
                else {
                    Issue.record("gave up on attempt \(attempt)")
                    continue
                }
                #expect(at - now >= base * 8 / 10 && at - now <= base * 12 / 10)
            }
        }
        var waits = Set<Int64>()
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<50 {
            if case .retry(let at) = schedule.decision(
                afterAttempt: 3, statusCode: nil, retryAfterSeconds: nil, firstAttemptAtMilliseconds: first,
                nowMilliseconds: first, using: &generator)
            {
                waits.insert(at - first)
            }
        }
        #expect(waits.count > 40)
        #expect(waits.min()! < 110_000 && waits.max()! > 130_000)
    }

    @Test func givesUpOnceTheNextAttemptWouldFallPast72Hours() {
        let horizon: Int64 = 72 * 3_600 * 1000
        let justInside = schedule.decision(
            afterAttempt: 20, statusCode: 500, retryAfterSeconds: nil, firstAttemptAtMilliseconds: first,
            nowMilliseconds: first + horizon - 28_800_000, jitter: 1)
        #expect(justInside == .retry(atMilliseconds: first + horizon))
        let justPast = schedule.decision(
            afterAttempt: 20, statusCode: 500, retryAfterSeconds: nil, firstAttemptAtMilliseconds: first,
            nowMilliseconds: first + horizon - 28_800_000 + 1, jitter: 1)
        #expect(justPast == .giveUp)
        let longAfter = schedule.decision(
            afterAttempt: 2, statusCode: nil, retryAfterSeconds: nil, firstAttemptAtMilliseconds: first,
            nowMilliseconds: first + horizon + 1, jitter: 0.8)
        #expect(longAfter == .giveUp)
    }

    @Test func goneGivesUpAtOnce() {
        let decision = schedule.decision(
            afterAttempt: 1, statusCode: 410, retryAfterSeconds: 5, firstAttemptAtMilliseconds: first,
            nowMilliseconds: first, jitter: 1)
        #expect(decision == .giveUp)
    }

    @Test(arguments: [429, 503])
    func retryAfterLongerThanTheWaitReplacesIt(_ statusCode: Int) {
        let decision = schedule.decision(
            afterAttempt: 1, statusCode: statusCode, retryAfterSeconds: 120, firstAttemptAtMilliseconds: first,
            nowMilliseconds: first + 300, jitter: 1.2)
        #expect(decision == .retry(atMilliseconds: first + 300 + 120_000))
    }

    @Test func retryAfterShorterThanTheWaitIsIgnored() {
        let decision = schedule.decision(
            afterAttempt: 3, statusCode: 429, retryAfterSeconds: 5, firstAttemptAtMilliseconds: first,
            nowMilliseconds: first, jitter: 1)
        #expect(decision == .retry(atMilliseconds: first + 120_000))
    }

    @Test func retryAfterIsReadOnlyOn429And503() {
        for statusCode in [nil, 500, 502, 404, 301] {
            let decision = schedule.decision(
                afterAttempt: 1, statusCode: statusCode, retryAfterSeconds: 3_600, firstAttemptAtMilliseconds: first,
                nowMilliseconds: first, jitter: 1)
            #expect(decision == .retry(atMilliseconds: first + 10_000))
        }
    }

    @Test func retryAfterIsCappedAt24Hours() {
        for asked in [100_000, 86_401, Int.max] {
            let decision = schedule.decision(
                afterAttempt: 1, statusCode: 503, retryAfterSeconds: asked, firstAttemptAtMilliseconds: first,
                nowMilliseconds: first, jitter: 1)
            #expect(decision == .retry(atMilliseconds: first + 86_400_000))
        }
    }

    @Test func retryAfterPastTheHorizonGivesUp() {
        let decision = schedule.decision(
            afterAttempt: 12, statusCode: 503, retryAfterSeconds: 86_400, firstAttemptAtMilliseconds: first,
            nowMilliseconds: first + 60 * 3_600_000, jitter: 1)
        #expect(decision == .giveUp)
    }
}
