import Testing
import VitalsCore
import VitalsTestKit

@testable import VitalsConfig

@Suite struct ConfigLoadingTests {
    @Test func shippedFileEqualsEmbeddedDefaults() throws {
        let loaded = try ConfigLoader.load(path: Fixtures.packageRoot + "/etc/vitals/vitals.yaml", environment: [:])
        var config = loaded.config
        #expect(config.checks.prefix(4) == CompiledChecks.definitions()[...], "the compiled-in checks come first")
        config.checks = []
        #expect(config == Config())
    }

    @Test func noFileMeansDefaults() throws {
        let loaded = try ConfigLoader.load(text: "", name: "empty.yaml")
        #expect(loaded.config == Config())
    }

    @Test func everyErrorOfAFileIsReportedInOrderWithExactText() {
        let path = Fixtures.path("config/many-errors.yaml")
        let e = #expect(throws: ConfigErrors.self) { try ConfigLoader.load(path: path, environment: [:]) }
        #expect(
            e?.issues.map(\.description) == [
                "\(path):1:11: interval: expected a duration from 1s to 1h such as 30s, 5m or 1h, got \"500ms\"",
                "\(path):2:1: intervall: unknown key; did you mean \"interval\"?",
                "\(path):5:15: thresholds.disk.critical: expected a percentage 0-100, got \"high\"",
                "\(path):6:20: thresholds.disk.warning_clear: 95 must be at or below warning 90 (the level clears once the value falls back below it)",
                "\(path):7:3: thresholds.cpuu: unknown key; did you mean \"cpu\"?",
                "\(path):9:10: log.level: expected one of trace, debug, info, notice, warning, error, critical, got \"loud\"",
            ])
    }

    @Test func theIssueExample() {
        let e = #expect(throws: ConfigErrors.self) {
            try ConfigLoader.load(text: "thresholds:\n  disk:\n    critical: high\n", name: "vitals.yaml")
        }
        #expect(e?.description == "vitals.yaml:3:15: thresholds.disk.critical: expected a percentage 0-100, got \"high\"")
    }

    @Test func alertSettingsAreDecodedAndCheckedTogether() throws {
        let c = try ConfigLoader.load(
            text:
                "alerts:\n  repeat:\n    critical: 30m\n    warning: off\n  repeat_backoff: 2\n  unknown_after: 0\n  flapping:\n    enabled: false\n",
            name: "v.yaml"
        ).config.alerts
        #expect(c.repeatInterval[.critical] == .seconds(1800))
        #expect(c.repeatInterval[.warning] == nil, "off: never repeated")
        #expect(c.repeatInterval[.unknown] == .seconds(6 * 3600), "untouched keys keep their default")
        #expect(c.backoff == 2)
        #expect(c.unknownDelay == .zero)
        #expect(!c.flapping.enabled)
        let e = #expect(throws: ConfigErrors.self) {
            try ConfigLoader.load(
                text: "alerts:\n  repeat:\n    critical: 10s\n    warnin: 1h\n  flapping:\n    low: 50\n    high: 40\n", name: "v.yaml")
        }
        #expect(
            e?.description == """
                v.yaml:3:15: alerts.repeat.critical: expected a duration from 1m to 366d such as 5m or 1h, got "10s"
                v.yaml:4:5: alerts.repeat.warnin: unknown key; did you mean "warning"?
                v.yaml:6:5: alerts.flapping: high (40) must be at least low (50): flapping starts above high and stops below low
                """)
    }

    @Test func channelsRoutesAndInhibitRulesAreDecoded() throws {
        let text = """
            alerts:
              group_wait: 30s
              max_alerts_per_hour: off
              inhibit:
                - source: [check=disk, severity=critical]
                  target: ["check=~inodes|disk"]
                  equal: [resource]
            channels:
              log:
                type: log
              audit:
                type: log
                max_alerts_per_hour: 10
            routes:
              - name: pages
                match: [severity=critical, "resource=~/srv.*"]
                steps:
                  - channels: [log]
                  - after: 15m
                    channels: [audit]
              - steps:
                  - channels: [log]
            """
        let n = try ConfigLoader.load(text: text, name: "v.yaml").config.notify
        #expect(n.groupWait == .seconds(30))
        #expect(n.maxAlertsPerHour == nil)
        #expect(n.inhibitRules.count == 1 && n.inhibitRules[0].equal == ["resource"])
        #expect(n.channels.map(\.name) == ["log", "audit"])
        #expect(n.channel(named: "audit")?.maxAlertsPerHour == 10)
        #expect(n.routes.map(\.name) == ["pages", "routes[1]"])
        #expect(n.routes[0].escalation == [.seconds(900)])
        let srv = AlertLabels.forCheck("disk", resource: "/srv/data", instance: "h")
        #expect(n.route(for: srv, severity: .critical)?.name == "pages")
        #expect(n.route(for: srv, severity: .warning)?.name == "routes[1]")
    }

    @Test func routeMistakesNameTheKeyAndTheRemedy() {
        let text = """
            channels:
              ops-mail:
                type: pager
              log:
                type: log
            routes:
              - match: ["resource=~("]
                steps:
                  - after: 5m
                    channels: [logg]
                  - channels: [log]
            """
        let e = #expect(throws: ConfigErrors.self) { try ConfigLoader.load(text: text, name: "v.yaml") }
        let lines = e?.description.split(separator: "\n").map(String.init) ?? []
        #expect(lines.count == 5)
        #expect(
            lines.first?.hasPrefix("v.yaml:3:11: channels.ops-mail.type: expected one of log, webhook, smtp, alertmanager, got \"pager\"") == true)
        #expect(
            lines.contains(
                "v.yaml:7:12: routes[0].match[0]: \"(\" in resource=~ is not a regular expression vitals accepts: at character 2: missing ')'; close the group"
            ), "\(lines)")
        #expect(
            lines.contains(
                "v.yaml:9:16: routes[0].steps[0].after: the first step goes out at once; remove after here (later steps count from the first notification)"
            ))
        #expect(lines.contains("v.yaml:10:19: routes[0].steps[0].channels: no channel named \"logg\"; did you mean \"log\"?"))
        #expect(lines.contains("v.yaml:11:9: routes[0].steps[1].after: a later step needs after: the time since the first notification, e.g. 15m"))
    }

    @Test func syntaxErrorHasPosition() {
        let path = Fixtures.path("config/syntax.yaml")
        let e = #expect(throws: ConfigErrors.self) { try ConfigLoader.load(path: path, environment: [:]) }
        #expect(e?.issues.count == 1)
        #expect(e?.description.hasPrefix("\(path):2:1: YAML syntax:") == true)
    }

    @Test func missingExplicitFile() {
        let e = #expect(throws: ConfigErrors.self) { try ConfigLoader.load(path: "/nonexistent/v.yaml", environment: [:]) }
        #expect(
            e?.description
                == "/nonexistent/v.yaml:0:0: cannot read the configuration (No such file or directory); check the path given to --config")
    }

    @Test func unitsAndOverrides() throws {
        let text = """
            interval: 30s
            disk:
              exclude_types: [nfs4]
              statvfs_timeout: 2s
            thresholds:
              disk:
                warning: 80
                warning_free_below: 10GB
                raise_after: 5m
                mounts:
                  /srv:
                    critical: 97
                    critical_free_below: off
              load:
                critical: 4
            """
        let c = try ConfigLoader.load(text: text, name: "v.yaml").config
        #expect(c.interval == .seconds(30))
        #expect(c.disk.excludeTypes == ["nfs4"])
        let disk = try #require(c.thresholds["disk"])
        #expect(disk.spec.warning == Level(trigger: 80, clear: 75, freeBelow: 10e9))
        #expect(disk.spec.raiseAfter == .duration(.seconds(300)))
        let srv = try #require(disk.mounts["/srv"])
        #expect(srv.critical == Level(trigger: 97, clear: 94, freeBelow: nil))
        #expect(srv.warning == disk.spec.warning)
        #expect(c.spec(for: CheckKey(check: "disk", resource: "/srv")) == srv)
        #expect(c.spec(for: CheckKey(check: "disk", resource: "/")) == disk.spec)
        #expect(c.thresholds["load"]?.spec.critical == Level(trigger: 4, clear: 4))
    }

    @Test func environmentOverridesFileAndNamesTheVariable() throws {
        let env = ["VITALS_INTERVAL": "30s", "VITALS_THRESHOLDS__DISK__CRITICAL": "97", "HOME": "/root"]
        let loaded = try ConfigLoader.load(text: "interval: 5s\n", name: "v.yaml", environment: env)
        #expect(loaded.config.interval == .seconds(30))
        #expect(loaded.config.thresholds["disk"]?.spec.critical?.trigger == 97)
        #expect(loaded.provenance["interval"] == .environment("VITALS_INTERVAL"))
        let bad = #expect(throws: ConfigErrors.self) {
            try ConfigLoader.load(text: "", name: "v.yaml", environment: ["VITALS_THRESHOLDS__DISK__CRITICAL": "high", "VITALS_INTERVL": "5s"])
        }
        #expect(
            bad?.issues.map(\.description) == [
                "environment VITALS_INTERVL: intervl: unknown key; did you mean \"interval\"?",
                "environment VITALS_THRESHOLDS__DISK__CRITICAL: thresholds.disk.critical: expected a percentage 0-100, got \"high\"",
            ])
        #expect(EnvironmentOverrides.path(of: "VITALS_DISK__INCLUDE_TMPFS") == ["disk", "include_tmpfs"])
    }

    @Test func explicitStatvfsTimeoutMustBeShorterThanInterval() {
        let e = #expect(throws: ConfigErrors.self) {
            try ConfigLoader.load(text: "interval: 2s\ndisk:\n  statvfs_timeout: 5s\n", name: "v.yaml")
        }
        #expect(e?.description == "v.yaml:3:3: disk.statvfs_timeout: 5s must be shorter than interval 2s so a hung mount cannot delay a cycle")
        #expect((try? ConfigLoader.load(text: "interval: 2s\n", name: "v.yaml"))?.config.effectiveStatvfsTimeout == .seconds(1))
    }

    @Test func theUnitsSectionAndPerUnitOverrides() throws {
        let text = """
            units:
              max: 50
              exclude: ["user@*.service", "*.mount"]
            thresholds:
              unit_memory:
                warning: 80
                units:
                  "postgresql.service": {warning: 95, critical: 99}
                  "batch-*": {enabled: false}
            """
        let loaded = try ConfigLoader.load(text: text, name: "v.yaml")
        let c = loaded.config
        #expect(c.units.max == 50 && c.units.exclude == ["user@*.service", "*.mount"] && c.units.enabled)
        #expect(c.spec(for: CheckKey(check: "unit_memory", resource: "postgresql.service"))?.warning?.trigger == 95)
        #expect(c.spec(for: CheckKey(check: "unit_memory", resource: "postgresql.service"))?.critical?.trigger == 99)
        #expect(c.spec(for: CheckKey(check: "unit_memory", resource: "batch-nightly.service"))?.enabled == false)
        #expect(c.spec(for: CheckKey(check: "unit_memory", resource: "nginx.service"))?.warning?.trigger == 80)
        // config show writes them back so that they read the same.
        let again = try ConfigLoader.load(text: ConfigRenderer.render(loaded), name: "shown.yaml").config
        #expect(again.units == c.units && again.thresholds["unit_memory"] == c.thresholds["unit_memory"])
    }

    @Test func badUnitGlobsAndBoundsAreRefusedWithTheFix() {
        let e = #expect(throws: ConfigErrors.self) {
            try ConfigLoader.load(
                text:
                    "units:\n  max: 0\n  exclude: [\"a/b\"]\nthresholds:\n  unit_memory:\n    units:\n      \"\": {warning: 1}\n  disk:\n    units: {}\n",
                name: "v.yaml")
        }
        let text = e?.description ?? ""
        #expect(text.contains("v.yaml:2:8: units.max:"), "\(text)")
        #expect(text.contains("units.exclude[0]: \"a/b\": a unit name has no \"/\""), "\(text)")
        #expect(text.contains("thresholds.unit_memory.units: expected a unit name or glob"), "\(text)")
        #expect(text.contains("thresholds.disk.units: unknown key"), "\(text)")
    }

    @Test func theProcessScanIntervalIsBounded() throws {
        let c = try ConfigLoader.load(text: "file_handles:\n  scan_interval: 1m\n", name: "v.yaml").config
        #expect(c.fileHandles.scanInterval == .seconds(60))
        #expect(c.fileHandles.topProcesses == 5)
        let e = #expect(throws: ConfigErrors.self) {
            try ConfigLoader.load(text: "file_handles:\n  scan_interval: 1h\n", name: "v.yaml")
        }
        #expect(e?.description.hasPrefix("v.yaml:2:18: file_handles.scan_interval: expected a duration from 1s to 10m") == true)
    }

    @Test func showMarksSourcesAndRoundTrips() throws {
        let loaded = try ConfigLoader.load(text: "interval: 20s\n", name: "v.yaml", environment: ["VITALS_LOG__LEVEL": "debug"])
        let shown = ConfigRenderer.render(loaded)
        #expect(shown.contains("interval: 20s                                # v.yaml:1:11"))
        #expect(shown.contains("  level: debug                               # environment VITALS_LOG__LEVEL"))
        #expect(shown.contains("  statvfs_timeout: 5s                        # default"))
        let again = try ConfigLoader.load(text: shown, name: "shown.yaml")
        #expect(again.config == loaded.config)
    }
}

@Suite struct UnitsTests {
    @Test func durations() {
        #expect(Units.parseDuration("30s") == .seconds(30))
        #expect(Units.parseDuration("1h30m") == .seconds(5400))
        #expect(Units.parseDuration("250ms") == .milliseconds(250))
        #expect(Units.parseDuration("10") == nil)
        #expect(Units.parseDuration("5 parsecs") == nil)
        #expect(Units.formatDuration(.seconds(5400)) == "1h30m")
    }

    @Test func sizes() {
        #expect(Units.parseBytes("500MiB") == 524_288_000)
        #expect(Units.parseBytes("10GB") == 10e9)
        #expect(Units.parseBytes("4096") == 4096)
        #expect(Units.parseBytes("10 furlongs") == nil)
        #expect(Units.formatBytes(3.1 * 1_073_741_824) == "3.1 GiB")
    }
}
