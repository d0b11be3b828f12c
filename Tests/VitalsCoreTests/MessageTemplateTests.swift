import Testing
import VitalsCore

/// Issue 19: the template language: fields, labels, annotations and filters; every mistake
/// refused with the character where it is.
@Suite struct MessageTemplateTests {
    static func alert(_ severity: Severity = .critical) -> AlertNotification {
        let labels = LabelSet(["alertname": "VitalsDisk", "instance": "web1", "check": "disk", "resource": "/srv", "team": "storage"])
        var n = AlertNotification(
            fingerprint: labels.fingerprint, labels: labels, severity: severity, previous: severity == .ok ? .critical : nil, reason: .first,
            message: "disk /srv 96.2% used", value: 96.2, threshold: 95, startsAt: 1_800_000_000, at: 1_800_000_600, sequence: 1)
        n.annotations = ["unit": "%"]
        return n
    }

    @Test func fieldsLabelsAnnotationsAndFiltersRender() throws {
        let t = try MessageTemplate(
            "[{{ severity | upper }}] {{instance}}: {{ check }} {{ resource }} {{ value }}{{ annotations.unit }} > {{ threshold }} ({{ labels.team | upper }}; {{ labels.nope }}) {{ count }} via {{ channel }}"
        )
        #expect(t.render(Self.alert(), instance: "web1", count: 2, channel: "ops") == "[CRITICAL] web1: disk /srv 96.2% > 95 (STORAGE; ) 2 via ops")
        let r = try MessageTemplate("{{ status }} {{ previous }} {{ since }}")
        #expect(r.render(Self.alert(.ok), instance: "web1", count: 1, channel: "x") == "resolved critical 2027-01-15T08:00:00.000Z")
        #expect(try MessageTemplate("no placeholders").render(Self.alert(), instance: "w", count: 1, channel: "c") == "no placeholders")
    }

    @Test func mistakesNameTheCharacterAndTheFix() {
        func error(_ text: String) -> String {
            do {
                _ = try MessageTemplate(text)
                return ""
            } catch {
                return error.message
            }
        }
        #expect(error("x {{ severity") == "character 3: \"{{\" is not closed with \"}}\"")
        #expect(error("{{ sevrity }}").hasPrefix("character 3: \"sevrity\" is not a field; fields are alertname, instance,"))
        #expect(error("{{ severity | shout }}") == "character 3: \"shout\" is not a filter; filters are upper, lower")
        #expect(error("{{ labels.a-b }}").contains("\"a-b\" is not a label or annotation name"))
        #expect(error(String(repeating: "x", count: 5000)).contains("at most 4096 bytes"))
        #expect(error(String(repeating: "{{ check }}", count: 101)).contains("more than 100 placeholders"))
        #expect(error("{{ }}").contains("\"\" is not a field"))
    }
}
