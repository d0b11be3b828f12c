import Testing
import VitalsTestKit

@testable import VitalsCore

/// The pure parts of delivery: hashing and signing, backoff, the circuit breaker, timestamps,
/// the Prometheus text format and secrets that never print.
@Suite struct DeliveryCoreTests {
    @Test func sha256MatchesTheStandardVectors() {
        #expect(SHA256.hex(SHA256.hash(Array("".utf8))) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // Two blocks (56 bytes: the padding spills into a second block).
        #expect(
            SHA256.hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            SHA256.hex(SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000))) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func hmacMatchesRFC4231AndTheWebhookSinksExample() {
        // RFC 4231 test case 2.
        #expect(
            SHA256.hex(SHA256.hmac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // RFC 4231 test case 6: a key longer than the block is hashed first.
        #expect(
            SHA256.hex(
                SHA256.hmac(key: [UInt8](repeating: 0xaa, count: 131), message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        // The receiver's documented example (openssl dgst -sha256 -hmac s3cret).
        #expect(
            SHA256.hex(SHA256.hmac(key: Array("s3cret".utf8), message: Array(#"{"alert":"DiskFull"}"#.utf8)))
                == "528c625470e09a5cbce70941c5f8ad23d09db32afbc5a5c2c3534b9431c76c97")
    }

    @Test func backoffIsFullJitterUnderACappedExponential() {
        let p = RetryPolicy(initial: .seconds(1), max: .seconds(60))
        #expect(p.delay(attempt: 1, random: 0.999_999) <= .seconds(1))
        #expect(p.delay(attempt: 3, random: 0.5) == .seconds(2), "cap 4 s, half of it")
        #expect(p.delay(attempt: 30, random: 0.5) == .seconds(30), "capped at max")
        #expect(p.delay(attempt: 5, random: 0) == .zero, "full jitter reaches zero")
        #expect(p.delay(attempt: 1, random: 0.1, retryAfter: .seconds(20)) == .seconds(20), "Retry-After is the least wait")
        #expect(p.delay(attempt: 1, random: 0.1, retryAfter: .seconds(9999)) == .seconds(60), "but never past max")
    }

    @Test func theBreakerOpensProbesAndCloses() {
        let clock = ManualClock()
        var b = CircuitBreaker<ManualClock.Instant>(settings: .init(failures: 3, recovery: .seconds(30), successes: 2))
        #expect(b.recordFailure(now: clock.now) == nil)
        #expect(b.recordFailure(now: clock.now) == nil)
        #expect(b.recordSuccess() == nil, "a success resets the count")
        #expect(b.recordFailure(now: clock.now) == nil)
        #expect(b.recordFailure(now: clock.now) == nil)
        #expect(b.recordFailure(now: clock.now) == .opened)
        #expect(b.allows(now: clock.now).0 == false)
        clock.advance(by: .seconds(29))
        #expect(b.allows(now: clock.now).0 == false)
        clock.advance(by: .seconds(1))
        let (allowed, change) = b.allows(now: clock.now)
        #expect(allowed && change == .halfOpened)
        #expect(b.recordFailure(now: clock.now) == .opened, "a failed probe opens it again")
        clock.advance(by: .seconds(30))
        _ = b.allows(now: clock.now)
        #expect(b.recordSuccess() == nil)
        #expect(b.state == .halfOpen(successes: 1))
        #expect(b.recordSuccess() == .closed)
        #expect(!b.isTripped)
    }

    @Test func timestampsInRFC3339AndRFC5322() {
        #expect(Timestamp.rfc3339(0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.rfc3339(1_795_392_130.796) == "2026-11-23T00:02:10.796Z")
        #expect(Timestamp.rfc3339(951_782_400) == "2000-02-29T00:00:00.000Z", "leap day")
        #expect(Timestamp.rfc5322(1_795_392_130) == "Mon, 23 Nov 2026 00:02:10 +0000")
        #expect(Timestamp.rfc5322(0) == "Thu, 1 Jan 1970 00:00:00 +0000")
    }

    @Test func prometheusTextGroupsFamiliesAndEscapesLabels() {
        var p = PrometheusText()
        p.family("x_total", .counter, "A counter\nwith a newline.")
        p.family("y", .gauge, "Empty: left out.")
        p.sample("x_total", [("path", "a\"b\\c\nd")], 3)
        p.family("lat_seconds", .histogram, "Latency.")
        p.histogram("lat_seconds", [("c", "h")], bounds: [0.1, 1], counts: [2, 1, 4], sum: 9.5)
        p.sample("x_total", [("path", "e")], 1.5)
        #expect(
            p.text == """
                # HELP x_total A counter\\nwith a newline.
                # TYPE x_total counter
                x_total{path="a\\"b\\\\c\\nd"} 3
                x_total{path="e"} 1.5
                # HELP lat_seconds Latency.
                # TYPE lat_seconds histogram
                lat_seconds_bucket{c="h",le="0.1"} 2
                lat_seconds_bucket{c="h",le="1"} 3
                lat_seconds_bucket{c="h",le="+Inf"} 7
                lat_seconds_sum{c="h"} 9.5
                lat_seconds_count{c="h"} 7

                """)
    }

    @Test func aSecretNeverPrints() {
        let s = Secret("hunter2", source: "file /etc/vitals/x")
        #expect("\(s)" == "<secret>")
        #expect(String(reflecting: s) == "<secret>")
        var dumped = ""
        dump(s, to: &dumped)
        #expect(!dumped.contains("hunter2"), "\(dumped)")
        #expect("\(WebhookSettings(url: "http://x", auth: .bearer(s), hmacSecret: s))".contains("hunter2") == false)
        #expect(s.reveal() == "hunter2")
    }
}
