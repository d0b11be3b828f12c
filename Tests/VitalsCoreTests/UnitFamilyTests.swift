import Testing

@testable import VitalsCore

/// Issue 18: the per-unit checks, the culprits host-level messages name, and unit globs.
@Suite struct UnitFamilyTests {
    static func usage(_ name: String, leaf: Bool = true, cpu: Double? = nil, memory: Double? = nil) -> UnitUsage {
        var u = UnitUsage(unit: name, cgroup: "system.slice/\(name)", leaf: leaf)
        u.cpuPercent = cpu
        u.memoryBytes = memory
        return u
    }

    static func snapshot(_ units: [UnitUsage]) -> HostSnapshot {
        var s = HostSnapshot(timestamp: 0, cycle: 2)
        s.units = UnitStats(available: true, root: "/sys/fs/cgroup", units: units)
        s.memory = MemoryStats(
            totalBytes: 1000, availableBytes: 100, availableEstimated: false, swapTotalBytes: 0, swapUsedPercent: .notApplicable(""),
            swapInPagesPerSecond: .value(0), oomKills: 0, oomKillsDelta: .value(0))
        return s
    }

    @Test func cpuCulpritsAreLeafUnitsLargestFirst() {
        let s = Self.snapshot([
            Self.usage("system.slice", leaf: false, cpu: 95), Self.usage("backup.service", cpu: 22.4),
            Self.usage("postgresql.service", cpu: 71), Self.usage("cron.service", cpu: 0.5), Self.usage("a.service", cpu: 2),
            Self.usage("b.service", cpu: 1.5),
        ])
        #expect(UnitFamily.culprits(for: .cpu, in: s).map(\.unit) == ["postgresql.service", "backup.service", "a.service"])
        #expect(UnitFamily.culpritText(for: .cpu, in: s) == "postgresql.service 71%, backup.service 22%, a.service 2%")
        // The cpu check's message carries them.
        var withCPU = s
        withCPU.cpu = CPUStats(onlineCores: 2, total: CPUModes(user: 99.2, idle: 0.8), cores: [])
        let cpu = withCPU.observations().first { $0.check == "cpu" }
        #expect(cpu?.detail == "postgresql.service 71%, backup.service 22%, a.service 2%")
    }

    @Test func memoryCulpritsAreSharesOfTheHostAndNoneWhenNoUnitStandsOut() {
        let s = Self.snapshot([Self.usage("java.service", memory: 600), Self.usage("tiny.service", memory: 5)])
        #expect(UnitFamily.culpritText(for: .memory, in: s) == "java.service 60%")
        let quiet = Self.snapshot([Self.usage("tiny.service", memory: 5)])
        #expect(UnitFamily.culpritText(for: .memory, in: quiet) == nil)
        #expect(UnitFamily.culprits(for: .load, in: s).isEmpty)  // not a check with culprits
        var unavailable = s
        unavailable.units = UnitStats(available: false, reason: "no cgroup v2", root: "/sys/fs/cgroup")
        #expect(UnitFamily.culprits(for: .memory, in: unavailable).isEmpty)
    }

    @Test func unitMemoryOnlyForUnitsWithALimitAndOOMKillsOnlyWhereCounted() {
        var limited = Self.usage("nginx.service", memory: 246_415_360)
        limited.memoryLimitBytes = 268_435_456
        limited.memoryLimitKind = "MemoryMax"
        var killed = Self.usage("worker.service", memory: 10)
        killed.oomKills = 2
        killed.oomKillsDelta = 1
        let obs = Self.snapshot([limited, killed, Self.usage("free.service", memory: 1e9)]).observations().filter {
            $0.check.hasPrefix("unit_")
        }
        #expect(
            obs.map(\.key) == [
                CheckKey(check: "unit_memory", resource: "nginx.service"), CheckKey(check: "unit_oom_kills", resource: "worker.service"),
            ])
        #expect(abs((obs[0].reading.value ?? 0) - 91.796875) < 1e-9)
        #expect(obs[0].detail == "235.0 MiB of MemoryMax 256.0 MiB")
        #expect(obs[1].reading.value == 1)
    }

    @Test func perUnitChecksCarryTheUnitLabel() {
        let labels = AlertLabels.forCheck("unit_memory", resource: "nginx.service", instance: "h")
        #expect(labels["unit"] == "nginx.service" && labels["alertname"] == "VitalsUnitMemory")
        #expect(AlertLabels.forCheck("disk", resource: "/srv", instance: "h")["unit"] == nil)
    }

    @Test func unitGlobs() {
        #expect(UnitGlob.matches("backup-*.service", "backup-daily.service"))
        #expect(!UnitGlob.matches("backup-*.service", "backup-daily.timer"))
        #expect(UnitGlob.matches("user@?.service", "user@0.service") && !UnitGlob.matches("user@?.service", "user@1000.service"))
        #expect(UnitGlob.matches("*", "") && UnitGlob.matches("**a*", "xxa") && !UnitGlob.matches("a", "ab"))
        #expect(UnitGlob.matches("*.*.*", "a.b.c") && !UnitGlob.matches("*.*.*.*", "a.b.c"))
        #expect(UnitGlob.problem("") != nil && UnitGlob.problem("a/b") != nil && UnitGlob.problem("ok-*.service") == nil)
    }

    @Test func thePerUnitOverrideThatMatchesFirstWins() {
        var c = Config()
        var strict = BuiltinCheck.unitMemory.defaultSpec
        strict.warning = Level(trigger: 50, clear: 40)
        var off = BuiltinCheck.unitMemory.defaultSpec
        off.enabled = false
        c.thresholds["unit_memory"]?.units = [UnitOverride(pattern: "postgres*", spec: strict), UnitOverride(pattern: "*", spec: off)]
        #expect(c.spec(for: CheckKey(check: "unit_memory", resource: "postgresql.service"))?.warning?.trigger == 50)
        #expect(c.spec(for: CheckKey(check: "unit_memory", resource: "nginx.service"))?.enabled == false)
    }
}
