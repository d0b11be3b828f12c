import Testing
import VitalsTestKit

@testable import VitalsCore

/// Timelines on a manual clock: each step feeds one value and states the severity expected after it.
@Suite struct CheckEvaluatorTests {
    typealias Instant = ManualClock.Instant

    func disk(_ v: Double, free: Double = 1e9) -> Observation {
        Observation(
            check: "disk", resource: "/srv", reading: .value(v), freeBytes: free, subject: "disk /srv", quantity: "used",
            unit: "%", detail: "\(Units.formatBytes(free)) free")
    }

    func run(_ spec: ThresholdSpec, _ steps: [(Double, Severity)], every: Duration = .seconds(10)) {
        var e = CheckEvaluator<Instant>()
        var t = Instant(offset: .zero)
        for (i, (v, expected)) in steps.enumerated() {
            _ = e.evaluate(disk(v), spec: spec, at: t, timestamp: Double(i))
            #expect(e.statuses.first?.severity == expected, "step \(i): value \(v)")
            t = t.advanced(by: every)
        }
    }

    @Test func hysteresisHoldsUntilTheClearLevel() {
        let spec = ThresholdSpec(warning: Level(trigger: 90, clear: 85), critical: Level(trigger: 95, clear: 92))
        run(spec, [(50, .ok), (91, .warning), (88, .warning), (84, .ok), (96, .critical), (93, .critical), (91, .warning), (80, .ok)])
    }

    @Test func valueHoveringAtTheThresholdDoesNotFlap() {
        let spec = ThresholdSpec(warning: Level(trigger: 90, clear: 85))
        run(spec, [(90.1, .warning), (89.9, .warning), (90.1, .warning), (89.9, .warning), (84.9, .ok)])
    }

    @Test func raiseAndClearDebounceBySamples() {
        let spec = ThresholdSpec(warning: Level(trigger: 90, clear: 85), raiseAfter: .samples(3), clearAfter: .samples(2))
        run(spec, [(95, .ok), (95, .ok), (50, .ok), (95, .ok), (95, .ok), (95, .warning), (50, .warning), (95, .warning), (50, .warning), (50, .ok)])
    }

    @Test func debounceByDuration() {
        let spec = ThresholdSpec(warning: Level(trigger: 90, clear: 85), raiseAfter: .duration(.seconds(30)))
        // held at 0s, 10s, 20s: not yet 30 s; at 30 s it has held for 30 s.
        run(spec, [(95, .ok), (95, .ok), (95, .ok), (95, .warning)])
    }

    @Test func straightToCriticalAndDescribesPending() {
        var e = CheckEvaluator<Instant>()
        let spec = ThresholdSpec(
            warning: Level(trigger: 90, clear: 85), critical: Level(trigger: 95, clear: 92), raiseAfter: .samples(2))
        _ = e.evaluate(disk(99), spec: spec, at: Instant(offset: .zero), timestamp: 0)
        #expect(e.statuses[0].severity == .ok)
        #expect(e.statuses[0].pending == "critical after 1 of 2 samples")
        let t = e.evaluate(disk(99), spec: spec, at: Instant(offset: .seconds(10)), timestamp: 10)
        #expect(t?.from == .ok && t?.to == .critical)
    }

    @Test func freeSpaceFloorKeepsABigDiskQuiet() {
        let gib = 1_073_741_824.0
        let spec = BuiltinCheck.disk.defaultSpec
        var e = CheckEvaluator<Instant>()
        // 10 TB disk at 96 % used still has 400 GB free: above both floors, so ok.
        _ = e.evaluate(disk(96, free: 400 * gib), spec: spec, at: Instant(offset: .zero), timestamp: 0)
        #expect(e.statuses[0].severity == .ok)
        for i in 1...2 { _ = e.evaluate(disk(96.2, free: 3.1 * gib), spec: spec, at: Instant(offset: .seconds(Int64(i))), timestamp: 0) }
        #expect(e.statuses[0].severity == .critical)
        #expect(e.statuses[0].message == "disk /srv 96.2% used, above critical 95%; 3.1 GiB free, below 5.0 GiB")
    }

    @Test func unknownIsImmediateAndNeverTurnsOkSilently() {
        var e = CheckEvaluator<Instant>()
        let spec = ThresholdSpec(warning: Level(trigger: 90, clear: 85), raiseAfter: .samples(3))
        let first = e.evaluate(disk(10), spec: spec, at: Instant(offset: .zero), timestamp: 0)
        #expect(first?.from == nil && first?.to == .ok)
        var obs = disk(0)
        obs.reading = .unknown("mount not responding: statvfs took longer than 5s")
        let t = e.evaluate(obs, spec: spec, at: Instant(offset: .seconds(10)), timestamp: 10)
        #expect(t?.to == .unknown)
        #expect(e.statuses[0].message == "disk /srv unknown: mount not responding: statvfs took longer than 5s")
        let back = e.evaluate(disk(10), spec: spec, at: Instant(offset: .seconds(20)), timestamp: 20)
        #expect(back?.from == .unknown && back?.to == .ok)
    }

    @Test func nonFiniteValueIsUnknown() {
        var e = CheckEvaluator<Instant>()
        let t = e.evaluate(disk(.infinity), spec: ThresholdSpec(), at: Instant(offset: .zero), timestamp: 0)
        #expect(t?.to == .unknown)
    }

    @Test func severityOrderAndExitCodes() {
        #expect(Severity.worst([.ok, .warning, .unknown]) == .unknown)
        #expect(Severity.worst([.unknown, .critical]) == .critical)
        #expect(Severity.critical.pluginExitCode == 2 && Severity.stale.pluginExitCode == 3)
    }
}

@Suite struct ObservationTests {
    @Test func snapshotWithoutFamiliesYieldsUnknownWithTheSamplerError() {
        var snap = HostSnapshot(timestamp: 0, cycle: 1)
        snap.samplers = [SamplerReport(name: "memory", outcome: .failed, durationMicros: 5, error: "/proc/meminfo: no MemTotal line")]
        let mem = snap.observations().first { $0.check == "memory" }
        #expect(mem?.reading == .unknown("/proc/meminfo: no MemTotal line"))
    }

    @Test func psiNotAvailable() {
        var snap = HostSnapshot(timestamp: 0, cycle: 1)
        snap.pressure = PressureStats(available: false)
        let psi = snap.observations().filter { $0.check.hasPrefix("pressure_") }
        #expect(psi.count == 3)
        #expect(psi.allSatisfy { if case .notApplicable = $0.reading { true } else { false } })
    }

    /// Issue 13: `file_handles.top_processes: 0` (the per-process scan off, as documented) left
    /// process_fds unknown forever, and notified. It is not applicable: ok, marked, said once.
    @Test func processFDsWithTheScanOffIsNotApplicable() {
        var snap = HostSnapshot(timestamp: 0, cycle: 1)
        var stats = FileHandleStats(allocated: 100, maximum: 1000, topProcesses: [], ownOpen: 10, unreadableProcesses: 0)
        stats.processScan = false
        snap.fileHandles = stats
        let obs = snap.observations().first { $0.check == "process_fds" }!
        #expect(obs.reading == .notApplicable("not applicable: the per-process scan is off (file_handles.top_processes: 0)"))
        var e = CheckEvaluator<ManualClock.Instant>()
        let first = e.evaluate(obs, spec: BuiltinCheck.processFDs.defaultSpec, at: .init(offset: .zero), timestamp: 0)
        #expect(first?.status.notApplicable == true && first?.to == .ok, "said once")
        #expect(e.evaluate(obs, spec: BuiltinCheck.processFDs.defaultSpec, at: .init(offset: .seconds(10)), timestamp: 10) == nil, "and only once")
        #expect(e.statuses[0].message == "process fds: not applicable: the per-process scan is off (file_handles.top_processes: 0)")
        // With the scan on and nothing readable it is unknown, and says why.
        stats.processScan = nil
        stats.unreadableProcesses = 80
        snap.fileHandles = stats
        #expect(
            snap.observations().first { $0.check == "process_fds" }?.reading
                == .unknown("no process fd counts readable (80 processes refused: run as root or with CAP_DAC_READ_SEARCH)"))
    }
}
