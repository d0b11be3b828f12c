import Testing
import VitalsCore

/// Issue 19: restarts counted within the window from systemd's NRestarts readings.
@Suite struct RestartLoopTests {
    static func s(_ unit: String, _ n: UInt32, _ result: String = "exit-code") -> ServiceRestarts {
        ServiceRestarts(unit: unit, restarts: n, result: result)
    }

    @Test func restartsAreCountedWithinTheWindowFromTheFirstReading() {
        var h = RestartHistory()
        let w: Duration = .seconds(900)
        // Restarts before the first reading have no time: they do not count.
        #expect(h.observe([Self.s("crashy.service", 7)], at: 0, window: w).isEmpty)
        #expect(h.observe([Self.s("crashy.service", 8)], at: 60, window: w) == [.init(unit: "crashy.service", restarts: 1, result: "exit-code")])
        #expect(h.observe([Self.s("crashy.service", 10, "signal")], at: 120, window: w).first?.restarts == 3)
        #expect(
            h.observe([Self.s("crashy.service", 10, "signal")], at: 900, window: w).first?.restarts == 3, "the baseline at 0 is at the window's start"
        )
        // 15 minutes after the last restarts, the window no longer holds them.
        #expect(h.observe([Self.s("crashy.service", 10)], at: 1100, window: w).isEmpty)
    }

    @Test func aCountThatGoesDownOrAUnitThatGoesAwayStartsAgain() {
        var h = RestartHistory()
        let w: Duration = .seconds(900)
        _ = h.observe([Self.s("a.service", 5), Self.s("b.service", 1)], at: 0, window: w)
        // a was started by hand (NRestarts back to 0, so not listed), b restarted twice more.
        #expect(h.observe([Self.s("b.service", 3)], at: 60, window: w) == [.init(unit: "b.service", restarts: 2, result: "exit-code")])
        // a restarts twice more: it had none at the reading before (not listed), so both count.
        #expect(h.observe([Self.s("a.service", 2), Self.s("b.service", 3)], at: 120, window: w).map(\.restarts) == [2, 2])
        // a's count went down (started by hand, then one automatic restart): one since then.
        let after = h.observe([Self.s("a.service", 1), Self.s("b.service", 3)], at: 180, window: w)
        #expect(after.map(\.unit) == ["b.service", "a.service"] && after.map(\.restarts) == [2, 1], "\(after)")
    }

    @Test func theResultNamesTheLoopingUnitsWithTheirCountsAndLastResults() {
        var p = RestartPolicy()
        let loops: [RestartHistory.Loop] = [
            .init(unit: "worker.service", restarts: 4, result: "signal"), .init(unit: "web.service", restarts: 1, result: "exit-code"),
        ]
        let r = RestartHistory.result(loops, policy: p)
        #expect(r.severity == .warning)
        #expect(
            r.message
                == "restart loop within 15m: worker.service restarted 4 times (last result: signal) (journalctl -u worker.service -n 50; systemctl status worker.service)"
        )
        #expect(r.perfData.first?.value == 4)
        p.critical = 4
        #expect(RestartHistory.result(loops, policy: p).severity == .critical)
        p.warning = 5
        p.critical = nil
        let ok = RestartHistory.result(loops, policy: p)
        #expect(ok.severity == .ok)
        #expect(ok.message.hasPrefix("no unit restarted 5 times within 15m; below the level: worker.service restarted 4 times"))
        #expect(RestartHistory.result([], policy: RestartPolicy()).message == "no unit restarted 3 times within 15m")
    }

    @Test func thePolicyTravelsAsTheChecksArgumentsAndTheHelpersLinesAreParsed() {
        var p = RestartPolicy()
        p.window = .seconds(600)
        p.warning = 2
        p.critical = nil
        #expect(RestartPolicy(arguments: p.arguments).window == .seconds(600))
        #expect(RestartPolicy(arguments: p.arguments).warning == 2 && RestartPolicy(arguments: p.arguments).critical == nil)
        #expect(RestartPolicy(arguments: ["window=x", "bogus=1"]) == RestartPolicy())
        #expect(
            ServiceRestarts.parse("a.service\t3\texit-code\nbad line\nb.service\tx\tsignal\n\t1\tx\nc.service\t0\tsuccess\n")
                == [Self.s("a.service", 3), Self.s("c.service", 0, "success")])
    }
}
