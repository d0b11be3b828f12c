import Testing
import VitalsConfig
import VitalsCore

/// Issue 19: `actions:` in the configuration: read, shown (a round trip), and every mistake
/// refused at load with its position and the remedy.
@Suite struct ActionConfigTests {
    func errors(_ text: String) -> [String] {
        do {
            _ = try ConfigLoader.load(text: text, name: "v.yaml")
            return []
        } catch {
            return error.description.split(separator: "\n").map(String.init)
        }
    }

    @Test func actionsAreReadAndShown() throws {
        let text = """
            actions:
              - name: restart-nginx
                match: [check=nginx_http]
                restart: nginx.service
                max_per_hour: 4
                give_up_after: 2
                settle: 3m
              - name: reload-haproxy
                match: [check=haproxy_backends]
                on: [warning, critical]
                reload: haproxy.service
              - name: drop-caches
                match: ["check=memory"]
                exec: [/usr/local/sbin/drop-caches, --all]
                timeout: 20s
                user: nobody
            """
        let loaded = try ConfigLoader.load(text: text, name: "v.yaml")
        let a = loaded.config.actions
        #expect(a.map(\.name) == ["restart-nginx", "reload-haproxy", "drop-caches"])
        #expect(a[0].effect == .restart(unit: "nginx.service") && a[0].maxPerHour == 4 && a[0].giveUpAfter == 2 && a[0].settle == .seconds(180))
        #expect(a[0].severities == [.critical], "critical only unless on: says more")
        #expect(a[1].effect == .reload(unit: "haproxy.service") && a[1].severities == [.warning, .critical])
        #expect(a[2].effect == .exec(argv: ["/usr/local/sbin/drop-caches", "--all"]) && a[2].timeout == .seconds(20) && a[2].user == "nobody")
        #expect(a[0].source == "v.yaml:2:5")
        let shown = ConfigRenderer.render(loaded)
        #expect(shown.contains("    restart: nginx.service\n") && shown.contains("exec: [/usr/local/sbin/drop-caches, \"--all\"]"), "\(shown)")
        #expect(try ConfigLoader.load(text: shown, name: "shown.yaml").config.actions.map(\.effect) == a.map(\.effect), "round trip")
    }

    @Test func mistakesAreRefusedWithTheirPositionAndTheRemedy() {
        #expect(
            errors("actions:\n  - {name: x, match: [check=web], restart: nginx}\n").first?.contains(
                "actions[0].restart: \"nginx\" is not a full unit name; write it with its type, e.g. nginx.service") == true)
        #expect(errors("actions:\n  - {name: x, match: [check=web], restart: \"ngin*.service\"}\n").first?.contains("globs are not accepted") == true)
        #expect(errors("actions:\n  - {name: x, match: [check=web], restart: poweroff.target}\n").first?.contains("is a target unit") == true)
        #expect(
            errors("actions:\n  - {name: x, match: [check=web], exec: \"/bin/sh -c reboot\"}\n").first?.contains(
                "write the command as a list (argv, no shell)") == true)
        #expect(errors("actions:\n  - {name: x, match: [check=web], exec: [drop-caches]}\n").first?.contains("must be an absolute path") == true)
        #expect(
            errors("actions:\n  - {name: x, match: [check=web]}\n").first?.contains("needs what to do: restart: UNIT, reload: UNIT or exec:") == true)
        #expect(
            errors("actions:\n  - {name: x, match: [check=web], restart: a.service, reload: a.service}\n").first?.contains("an action does one thing")
                == true)
        #expect(errors("actions:\n  - {name: x, match: [\"check=~.*\"], restart: a.service}\n").first?.contains("match every alert") == true)
        #expect(errors("actions:\n  - {name: x, restart: a.service}\n").first?.contains("needs matchers naming the alerts it answers") == true)
        #expect(
            errors("actions:\n  - {name: x, match: [check=web], restart: a.service, max_per_hour: 1000}\n").first?.contains("actions[0].max_per_hour")
                == true)
        #expect(errors("actions:\n  - {name: x, match: [check=web], restart: a.service, settle: 1s}\n").first?.contains("actions[0].settle") == true)
        #expect(
            errors("actions:\n  - {name: x, match: [check=web], restart: a.service, on: [ok]}\n").first?.contains(
                "actions[0].on: expected severities") == true)
        #expect(
            errors("actions:\n  - {name: x, match: [check=web], restart: a.service, user: root}\n").first?.contains("user: applies to exec actions")
                == true)
        #expect(
            errors("actions:\n  - {name: x, match: [check=web], restart: a.service}\n  - {name: x, match: [check=web], restart: b.service}\n").first?
                .contains("names are unique") == true)
        let first = errors("actions:\n  - {name: x, match: [check=web], restart: nginx}\n").first ?? ""
        #expect(first.hasPrefix("v.yaml:2:"), "\(first)")
    }
}
