import Foundation
import Testing
import VitalsCore

/// vitals' own JSON (issue 17: FoundationEssentials is no longer linked), checked against
/// Foundation's `JSONEncoder`/`JSONDecoder` and `JSONSerialization` as the reference.
@Suite struct JSONCodecTests {
    enum Kind: String, Codable, Equatable { case a, b }
    enum Shape: Codable, Equatable {
        case circle(radius: Double)
        case named(String, count: Int)
        case none
    }

    struct Doc: Codable, Equatable {
        var text: String
        var number: Double
        var count: Int
        var big: UInt64
        var small: Int8
        var flag: Bool
        var missing: String?
        var present: Int?
        var list: [Double]
        var nested: [[String: Int]]
        var kind: Kind
        var shape: Shape
        var byKey: [String: [Kind]]
    }

    static func sample(_ i: Int) -> Doc {
        let texts = ["", "plain", "quote \" back\\slash", "tab\tnew\nline\r", "ctl \u{01}\u{1f}", "é ß 漢字 🚀", "a/b</script>", "\u{2028}"]
        let numbers = [0, -0.0, 1, -1.5, 0.1, 1e-7, 123_456_789.125, 1e300, -2.5e-300, Double.leastNonzeroMagnitude, Double.greatestFiniteMagnitude]
        let shapes: [Shape] = [.circle(radius: 2.5), .named("x", count: -3), .none]
        return Doc(
            text: texts[i % texts.count], number: numbers[i % numbers.count], count: [0, -1, Int.max, Int.min][i % 4],
            big: [0, UInt64.max][i % 2], small: [Int8.min, 0, Int8.max][i % 3], flag: i % 2 == 0, missing: nil,
            present: i % 3 == 0 ? nil : i, list: Array(numbers.prefix(i % numbers.count)),
            nested: i % 2 == 0 ? [] : [["a": 1, "b": 2], [:]], kind: i % 2 == 0 ? .a : .b, shape: shapes[i % shapes.count],
            byKey: ["k\(i)": [.a, .b], "": []])
    }

    @Test func roundTripsAndAgreesWithFoundationBothWays() throws {
        for i in 0..<40 {
            let doc = Self.sample(i)
            for options in [JSONOptions(), .state, .api] {
                let ours = try JSONCodec.encode(doc, options: options)
                #expect(try JSONCodec.decode(Doc.self, from: ours, options: options) == doc)
                #expect(try JSONDecoder().decode(Doc.self, from: Data(ours)) == doc, "\(String(decoding: ours, as: UTF8.self))")
            }
            let theirs = try JSONEncoder().encode(doc)
            #expect(try JSONCodec.decode(Doc.self, from: Array(theirs)) == doc)
            let pretty = JSONEncoder()
            pretty.outputFormatting = [.prettyPrinted, .sortedKeys]
            #expect(try JSONCodec.decode(Doc.self, from: Array(try pretty.encode(doc))) == doc)
        }
    }

    @Test func writesWhatFoundationWritesForTheSameOptions() throws {
        // Keys sorted and compact: the same bytes as JSONEncoder with .sortedKeys and .withoutEscapingSlashes
        // (what the webhook and Alertmanager payloads were written with), for ASCII keys.
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for i in 0..<40 {
            let doc = Self.sample(i)
            let ours = try JSONCodec.encode(doc, options: .state)
            let ref = try JSONSerialization.jsonObject(with: Data(ours)) as? NSDictionary
            let theirs = try JSONSerialization.jsonObject(with: try e.encode(doc)) as? NSDictionary
            #expect(ref == theirs)
        }
        #expect(String(decoding: try JSONCodec.encode([1.0, 0.5, 1e21, 100]), as: UTF8.self) == "[1,0.5,1e+21,100]")
        #expect(String(decoding: try JSONCodec.encode(["b": 1, "a": 2], options: .state), as: UTF8.self) == #"{"a":2,"b":1}"#)
        #expect(String(decoding: try JSONCodec.encode(["a": [1]], options: .api), as: UTF8.self) == "{\n  \"a\" : [\n    1\n  ]\n}")
    }

    @Test func infinitiesTravelAsStringsOnlyWhenAsked() throws {
        #expect(throws: EncodingError.self) { try JSONCodec.encode([Double.infinity]) }
        let bytes = try JSONCodec.encode([Double.infinity, -.infinity, 1], options: .api)
        #expect(String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace } == #"["+Inf","-Inf",1]"#)
        let back = try JSONCodec.decode([Double].self, from: bytes, options: .api)
        #expect(back == [.infinity, -.infinity, 1])
        #expect(throws: DecodingError.self) { try JSONCodec.decode([Double].self, from: bytes) }
        #expect(try JSONCodec.decode([Double].self, from: Array(#"["NaN"]"#.utf8), options: .api)[0].isNaN)
    }

    @Test func integersDecodeExactlyOrNotAtAll() throws {
        #expect(try JSONCodec.decode([Int].self, from: Array("[1.0, 2e3, -0]".utf8)) == [1, 2000, 0])
        #expect(try JSONCodec.decode([UInt64].self, from: Array("[18446744073709551615]".utf8)) == [UInt64.max])
        for bad in ["[1.5]", "[1e30]", "[-1]"] {
            #expect(throws: DecodingError.self, "\(bad)") { try JSONCodec.decode([UInt8].self, from: Array(bad.utf8)) }
        }
        #expect(throws: DecodingError.self) { try JSONCodec.decode([Int8].self, from: Array("[128]".utf8)) }
    }

    /// What is not JSON is refused, with the line and column; Foundation refuses the same, except
    /// trailing commas, which its parser lets through and RFC 8259 does not.
    @Test func refusesWhatIsNotJSONAndSaysWhere() throws {
        let lenient: Set = ["[1,]", "{\"a\":1,}"]
        let bad = [
            "", " ", "{", "[1,]", "{\"a\":1,}", "[01]", "[1.]", "[.5]", "[-]", "[1e]", "[+1]", "nul", "[tru]", "{'a':1}", "{\"a\" 1}",
            "[\"\u{01}\"]", "[\"\\x\"]", "[\"\\ud800\"]", "[\"\\udc00x\"]", "[1] [2]", "[\"abc", "[NaN]", "[Infinity]", "/* c */ 1",
        ]
        for text in bad {
            #expect(throws: DecodingError.self, "\(text.debugDescription)") { try JSONParser.parse(Array(text.utf8)) }
            if !lenient.contains(text) {
                #expect(
                    (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) == nil,
                    "Foundation accepts \(text.debugDescription)")
            }
        }
        #expect(throws: DecodingError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }  // not UTF-8
        do {
            _ = try JSONParser.parse(Array("{\n  \"a\": [1,\n    2,,\n  ]\n}".utf8))
            Issue.record("accepted")
        } catch DecodingError.dataCorrupted(let c) {
            #expect(c.debugDescription.hasPrefix("not valid JSON at line 3, column 7"), "\(c.debugDescription)")
        }
    }

    @Test func nestingIsBoundedBeforeItIsRecursedInto() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: DecodingError.self) { try JSONParser.parse(Array(deep.utf8)) }
        let ok = String(repeating: "[", count: 256) + String(repeating: "]", count: 256)
        #expect(throws: Never.self) { try JSONParser.parse(Array(ok.utf8)) }
    }

    @Test func decodingErrorsNameThePath() throws {
        struct Inner: Codable { var port: Int }
        struct Outer: Codable { var servers: [Inner] }
        do {
            _ = try JSONCodec.decode(Outer.self, from: Array(#"{"servers":[{"port":1},{"port":"x"}]}"#.utf8))
            Issue.record("accepted")
        } catch DecodingError.typeMismatch(_, let c) {
            #expect(c.codingPath.map(\.stringValue) == ["servers", "1", "port"])
        }
        do {
            _ = try JSONCodec.decode(Outer.self, from: Array(#"{"servers":[{}]}"#.utf8))
            Issue.record("accepted")
        } catch DecodingError.keyNotFound(let k, _) {
            #expect(k.stringValue == "port")
        }
    }

    @Test func parsesEscapesAndSurrogatesAsFoundationDoes() throws {
        let text = #"["a\"b\\c\/d\b\f\n\r\t", "\u00e9\u6f22\ud83d\ude80", "plain é"]"#
        let ours = try JSONCodec.decode([String].self, from: Array(text.utf8))
        let theirs = try JSONDecoder().decode([String].self, from: Data(text.utf8))
        #expect(ours == theirs)
        #expect(ours[1] == "é漢🚀")
    }
}
