import Testing
import VitalsCore

/// Timelines for the log flood guard: bursts pass up to the limit, the rest is summarised once.
@Suite struct LogFloodGuardTests {
    typealias Guard = LogFloodGuard<Int>

    @Test func aBurstPassesUpToTheLimitThenOneSummaryCarriesTheCount() {
        var g = Guard(policy: .init(burst: 3, window: .seconds(30)))
        var passed = 0
        for i in 0..<10 {
            let (pass, summaries) = g.admit(key: "disk full", payload: i, now: .seconds(i))
            if pass { passed += 1 }
            #expect(summaries.isEmpty)
        }
        #expect(passed == 3)
        #expect(g.expire(now: .seconds(29)).isEmpty, "the window is still open")
        let summaries = g.expire(now: .seconds(30))
        #expect(summaries.count == 1)
        #expect(summaries.first?.suppressed == 7)
        #expect(summaries.first?.last == 9, "the summary carries the last event held back")
        #expect(summaries.first?.span == .seconds(30))
        #expect(g.trackedKeys == 0)
    }

    @Test func differentKeysHaveTheirOwnBudget() {
        var g = Guard(policy: .init(burst: 1, window: .seconds(10)))
        #expect(g.admit(key: "a", payload: 1, now: .zero).pass)
        #expect(g.admit(key: "b", payload: 2, now: .zero).pass)
        #expect(!g.admit(key: "a", payload: 3, now: .seconds(1)).pass)
        #expect(!g.admit(key: "b", payload: 4, now: .seconds(1)).pass)
        let s = g.expire(now: .seconds(10))
        #expect(s.map(\.key) == ["a", "b"])
        #expect(s.map(\.suppressed) == [1, 1])
    }

    @Test func aQuietWindowEndsWithoutASummaryAndTheKeyStartsAfresh() {
        var g = Guard(policy: .init(burst: 2, window: .seconds(10)))
        #expect(g.admit(key: "k", payload: 1, now: .zero).pass)
        #expect(g.admit(key: "k", payload: 2, now: .seconds(1)).pass)
        // The next event after the window closes the old one (nothing held back) and passes.
        let (pass, summaries) = g.admit(key: "k", payload: 3, now: .seconds(11))
        #expect(pass)
        #expect(summaries.isEmpty)
    }

    @Test func theSummaryOfAClosedWindowComesWithTheNextEvent() {
        var g = Guard(policy: .init(burst: 1, window: .seconds(5)))
        _ = g.admit(key: "k", payload: 1, now: .zero)
        _ = g.admit(key: "k", payload: 2, now: .seconds(1))
        _ = g.admit(key: "k", payload: 3, now: .seconds(2))
        let (pass, summaries) = g.admit(key: "other", payload: 4, now: .seconds(6))
        #expect(pass)
        #expect(summaries.count == 1)
        #expect(summaries.first?.key == "k")
        #expect(summaries.first?.suppressed == 2)
    }

    @Test func manyDistinctKeysAreBoundedAndTheEvictedOneIsStillSummarised() {
        var g = Guard(policy: .init(burst: 1, window: .seconds(60), maxKeys: 4))
        _ = g.admit(key: "first", payload: 0, now: .zero)
        _ = g.admit(key: "first", payload: 1, now: .zero)  // held back
        var evicted: [Guard.Summary] = []
        for i in 1...10 {
            evicted += g.admit(key: "k\(i)", payload: i, now: .seconds(i)).summaries
            #expect(g.trackedKeys <= 4)
        }
        #expect(evicted.count == 1, "only windows that held something back produce a summary")
        #expect(evicted.first?.key == "first")
        #expect(evicted.first?.suppressed == 1)
        #expect(evicted.first?.span == .seconds(4))
    }

    @Test func drainReportsEveryOpenWindowAtShutdown() {
        var g = Guard(policy: .init(burst: 1, window: .seconds(60)))
        _ = g.admit(key: "x", payload: 1, now: .zero)
        _ = g.admit(key: "x", payload: 2, now: .seconds(1))
        _ = g.admit(key: "y", payload: 3, now: .seconds(1))
        let s = g.drain(now: .seconds(2))
        #expect(s.map(\.key) == ["x"])
        #expect(s.first?.span == .seconds(2))
        #expect(g.trackedKeys == 0)
    }
}
