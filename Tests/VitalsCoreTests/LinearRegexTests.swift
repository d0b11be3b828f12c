import Testing

@testable import VitalsCore

/// The matchers' regular expressions: RE2 syntax, anchored, linear time, bounded (issue 14).
@Suite struct LinearRegexTests {
    func matches(_ pattern: String, _ value: String) throws -> Bool { try LinearRegex(pattern).wholeMatch(value) }

    @Test func theSyntaxMatchersUse() throws {
        #expect(try matches("disk", "disk"))
        #expect(try !matches("disk", "disks"), "anchored at both ends, as in Alertmanager")
        #expect(try matches("/srv.*", "/srv/data"))
        #expect(try matches("/mnt/.+", "/mnt/a") && !(try matches("/mnt/.+", "/mnt/")))
        #expect(try matches("cpu|memory", "memory") && !(try matches("cpu|memory", "swap")))
        #expect(try matches("(?:pressure_)?(cpu|io)", "pressure_io") && (try matches("(?:pressure_)?(cpu|io)", "cpu")))
        #expect(try matches("[a-c]+[0-9]{2,3}", "abc123") && !(try matches("[a-c]+[0-9]{2,3}", "abc1234")))
        #expect(try matches("[^/]+", "sda1") && !(try matches("[^/]+", "a/b")))
        #expect(try matches("\\d+\\.\\d+", "12.5") && !(try matches("\\d+\\.\\d+", "12x5")))
        #expect(try matches("\\w+\\s\\S", "ab_1 x"))
        #expect(try matches("[\\d.]+", "1.2.3"))
        #expect(try matches("(?i)vitalsdisk", "VitalsDisk"))
        #expect(try matches("^web[0-9]$", "web1"))
        #expect(try matches("a{3}", "aaa") && !(try matches("a{3}", "aa")))
        #expect(try matches("a{2,}", "aaaa") && !(try matches("a{2,}", "a")))
        #expect(try matches("x{", "x{"), "a brace that starts no count is a literal, as in Go")
        #expect(try matches("", ""))
        #expect(try matches("a*?b", "aab"), "lazy forms match the same strings")
        #expect(try matches("(?P<dev>sd[a-z])1", "sdb1"))
        #expect(try matches("é+", "éé"))
    }

    /// issue 14: `(.*)*(.*)*(.*)*1` against a long value hung the agent in the backtracking
    /// engine; here it costs the program's size times the value's length.
    @Test func catastrophicPatternsRunInLinearTime() throws {
        let evil = try LinearRegex("(.*)*(.*)*(.*)*1")
        let value = String(repeating: "a", count: 5000)
        #expect(!evil.wholeMatch(value))
        #expect(evil.wholeMatch(value + "1"))
        let nested = try LinearRegex("(a+)+b")
        #expect(!nested.wholeMatch(String(repeating: "a", count: 5000)))
        let alternation = try LinearRegex(Array(repeating: "(a|aa)", count: 30).joined() + "c")
        #expect(!alternation.wholeMatch(String(repeating: "a", count: 60)))
    }

    @Test func boundsAndRefusalsNameTheLimitAndTheRemedy() {
        func refusal(_ p: String) -> String {
            do {
                _ = try LinearRegex(p)
                return "accepted"
            } catch {
                return error.description
            }
        }
        #expect(refusal(String(repeating: "a", count: 1025)) == "the pattern is 1025 characters long; at most 1024 are allowed")
        #expect(refusal(String(repeating: "(", count: 40) + String(repeating: ")", count: 40)).contains("nested more than 32 deep"))
        #expect(refusal("a{1000}") == "at character 2: a repetition count above 100; use * or + instead of a large count")
        #expect(refusal("((a{100}){100}){100}").contains("compiles to more than 4096 steps"))
        #expect(refusal("(a") == "at character 3: missing ')'; close the group")
        #expect(refusal("a)") == "at character 2: unmatched ')'; remove it or escape it as \\)")
        #expect(refusal("*a").contains("nothing to repeat"))
        #expect(refusal("(?=a)").contains("lookaround"))
        #expect(refusal("(a)\\1").contains("no backreferences"))
        #expect(refusal("[z-a]").contains("runs backwards"))
        #expect(refusal("[abc").contains("missing ']'"))
    }
}

/// The "matches every alert" guard decides by evaluating the matchers (issue 14, item 10).
@Suite struct MatchesEveryAlertTests {
    func every(_ texts: String...) throws -> Bool {
        AlertControls.matchesEveryAlert(try texts.map { try LabelMatcher(parsing: $0) })
    }

    @Test func refusedByWhatTheyMatchNotByTheirText() throws {
        #expect(try every("check=~.*"))
        #expect(try every("alertname=~.+"), "every alert has an alertname")
        #expect(try every("check!~^$"))
        #expect(try every("alertname=~Vitals.*"))
        #expect(try every("severity!=ok"))
        #expect(try every("instance=~.+", "resource=~.*"))
        #expect(try !every("check=disk"))
        #expect(try !every("check=~.*", "resource=/srv"), "one narrow matcher is enough")
        #expect(try !every("severity=critical"))
        #expect(try !every("team=web"), "a custom label most alerts lack")
    }

    @Test func aCatastrophicPatternIsAcceptedAndCheap() throws {
        let m = try LabelMatcher(parsing: "alertname=~(.*)*(.*)*(.*)*1")
        let labels = LabelSet(["alertname": String(repeating: "x", count: 1000), "check": "disk"])
        #expect(!m.matches(labels, severity: .critical))
        #expect(!AlertControls.matchesEveryAlert([m]))
    }

    @Test func aMatcherValueIsBounded() {
        #expect(throws: VitalsError.self) { try LabelMatcher(parsing: "resource=" + String(repeating: "a", count: 1025)) }
    }
}
