import Foundation
import Testing
import VitalsTestKit

@testable import VitalsCore

/// The alert identity: label sets and their fingerprints, checked against vectors that a real
/// Alertmanager computed (Tests/Fixtures/alertmanager, captured with its capture script).
@Suite struct FingerprintTests {
    struct Vector: Decodable {
        let labels: [String: String]
        let fingerprint: String
    }

    static func vectors() throws -> [Vector] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("alertmanager/fingerprints.json")))
        return try JSONDecoder().decode([Vector].self, from: data)
    }

    @Test func matchesEveryFingerprintAlertmanagerComputed() throws {
        let vectors = try Self.vectors()
        try #require(vectors.count >= 10)
        for v in vectors {
            #expect(LabelSet(v.labels).fingerprint.description == v.fingerprint, "\(LabelSet(v.labels))")
        }
    }

    @Test func anEmptyValueIsDroppedAsAlertmanagerDropsIt() throws {
        struct Probe: Decodable {
            struct Returned: Decodable { let fingerprint: String }
            let postedLabels: [String: String]
            let returnedAlerts: [Returned]

            enum CodingKeys: String, CodingKey {
                case postedLabels = "posted_labels"
                case returnedAlerts = "returned_alerts"
            }
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("alertmanager/empty-value.json")))
        let probe = try JSONDecoder().decode(Probe.self, from: data)
        #expect(LabelSet(probe.postedLabels).fingerprint.description == probe.returnedAlerts.first?.fingerprint)
    }

    @Test func theEmptySetIsTheOffsetBasis() {
        #expect(LabelSet([:]).fingerprint.value == 14_695_981_039_346_656_037)
    }

    @Test func orderOfInsertionDoesNotMatterAndEmptyValuesAreNoLabel() {
        var a = LabelSet(["alertname": "VitalsDiskSpace", "instance": "web1"])
        a["resource"] = "/srv"
        a["check"] = "disk"
        let b = LabelSet(["check": "disk", "resource": "/srv", "instance": "web1", "alertname": "VitalsDiskSpace", "team": ""])
        #expect(a == b)
        #expect(a.fingerprint == b.fingerprint)
        #expect(a.pairs.map(\.name) == ["alertname", "check", "instance", "resource"])
        a["resource"] = "/var"
        #expect(a.fingerprint != b.fingerprint, "one value changes the identity")
    }

    @Test func namesSortBytewiseAsGoDoes() {
        // Go's sort.Strings puts "Z" (0x5A) before "_" (0x5F) before "a" (0x61).
        let set = LabelSet(["a": "1", "_x": "2", "Zeta": "3", "B2": "4"])
        #expect(set.pairs.map(\.name) == ["B2", "Zeta", "_x", "a"])
    }

    @Test func hexRoundTripAndLeadingZeros() throws {
        let f = Fingerprint(value: 0x00ab_cdef_0123_4567)
        #expect(f.description == "00abcdef01234567")
        #expect(Fingerprint(hex: "00abcdef01234567") == f)
        #expect(Fingerprint(hex: "abc") == nil)
        #expect(Fingerprint(hex: "zzzzzzzzzzzzzzzz") == nil)
        let json = try JSONEncoder().encode(["f": f])
        #expect(String(decoding: json, as: UTF8.self) == #"{"f":"00abcdef01234567"}"#)
        #expect(try JSONDecoder().decode([String: Fingerprint].self, from: json)["f"] == f)
    }

    @Test func labelNamesFollowPrometheusRules() {
        #expect(LabelSet.isValidName("alertname"))
        #expect(LabelSet.isValidName("_private9"))
        #expect(!LabelSet.isValidName("9lives"))
        #expect(!LabelSet.isValidName("has-dash"))
        #expect(!LabelSet.isValidName(""))
    }

    @Test func printsLikePrometheus() {
        #expect(LabelSet(["b": "say \"hi\"", "a": "x"]).description == #"{a="x", b="say \"hi\""}"#)
    }
}
