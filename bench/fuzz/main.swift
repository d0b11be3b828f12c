// vitals-fuzz: a seeded mutation fuzzer for what vitals reads from outside (issue 14).
//
//   vitals-fuzz TARGET [--seconds N] [--seed S] [--corpus DIR]...
//   TARGET: yaml | procfs | plugin | matcher | http | json | all
//
// Each target takes inputs mutated from a corpus (the checked-in seeds under bench/fuzz/corpus
// and the real fixtures the tests use) and feeds them to the code as the agent does. A crash, trap
// or hang (an input taking more than 2 s) writes the input to ./fuzz-findings/TARGET-KIND-SEED
// and exits 1; otherwise it prints executions and seconds and exits 0. Without coverage feedback
// (the toolchain's libFuzzer needs a second, instrumented build of the whole package), mutations
// are structure-aware: byte flips, splices of two seeds, repeated chunks, and tokens that broke
// parsers before (deep nesting, huge numbers, catastrophic regexes, control bytes).
import Foundation
import NIOPosix
import VitalsConfig
import VitalsCore
import VitalsDaemon
import VitalsProcFS
import VitalsServer

/// xorshift64*: reproducible from the seed.
struct Random {
    var state: UInt64
    init(_ seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
}

/// The input being run, kept where a signal handler can write it out without allocating.
nonisolated(unsafe) var current = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 20)
nonisolated(unsafe) var currentLength = 0
nonisolated(unsafe) var crashPath = UnsafeMutablePointer<CChar>.allocate(capacity: 512)
nonisolated(unsafe) var hangPath = UnsafeMutablePointer<CChar>.allocate(capacity: 512)

func keep(_ input: [UInt8]) {
    currentLength = min(input.count, 1 << 20)
    input.withUnsafeBufferPointer { if let b = $0.baseAddress { current.update(from: b, count: currentLength) } }
}

/// On a crash or a hang the input goes to fuzz-findings/ (async-signal-safe calls only).
func installHandlers(target: String, seed: UInt64) {
    mkdir("fuzz-findings", 0o755)
    _ = "fuzz-findings/\(target)-crash-\(seed)".withCString { strncpy(crashPath, $0, 511) }
    _ = "fuzz-findings/\(target)-hang-\(seed)".withCString { strncpy(hangPath, $0, 511) }
    for sig in [SIGSEGV, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGALRM] {
        signal(sig) { s in
            let fd = open(s == SIGALRM ? hangPath : crashPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            if fd >= 0 {
                _ = write(fd, current, currentLength)
                close(fd)
            }
            let msg: StaticString = "vitals-fuzz: a crash or an input that took more than 2 s; saved in fuzz-findings/\n"
            _ = write(2, msg.utf8Start, msg.utf8CodeUnitCount)
            _exit(1)
        }
    }
}

/// Seeds: every file under the corpus directories (first 64 KiB of each).
func seeds(_ dirs: [String]) -> [[UInt8]] {
    var out: [[UInt8]] = []
    for dir in dirs {
        guard let e = FileManager.default.enumerator(atPath: dir) else { continue }
        for case let f as String in e {
            var isDir: ObjCBool = false
            let p = dir + "/" + f
            if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), !isDir.boolValue, let d = FileManager.default.contents(atPath: p) {
                out.append(Array(d.prefix(65536)))
            }
        }
    }
    return out.isEmpty ? [Array("x".utf8)] : out
}

let tokens: [[UInt8]] = [
    "[", "{", "(", ")", "]", "}", "*", "+", "|", "\\", "\"", "'", ":", "=", "=~", "!~", ";", "@", "~", "\n", "\r\n", "\t", "\0", "-", ".",
    "1e309", "-1e309", "99999999999999999999999h", "9223372036854775807", "-9223372036854775808", "NaN", "nan", "inf", "0x", "1.5.5",
    "(.*)*(.*)*(.*)*1", "(a|aa)*", "{1000000}", "\u{85}", "\u{FEFF}", "é", "\u{1B}[31m", "&a", "*a", "!!binary", "---", "- ", ": ",
    "Content-Length: 99999999999\r\n", "Transfer-Encoding: chunked\r\n", "\r\n\r\n",
].map { Array($0.utf8) }

func mutate(_ base: [UInt8], _ all: [[UInt8]], _ r: inout Random) -> [UInt8] {
    var b = base
    for _ in 0..<(1 + r.below(4)) {
        switch r.below(8) {
        case 0 where !b.isEmpty: b[r.below(b.count)] ^= UInt8(1 << r.below(8))
        case 1 where !b.isEmpty: b[r.below(b.count)] = UInt8(truncatingIfNeeded: r.next())
        case 2: b.insert(contentsOf: tokens[r.below(tokens.count)], at: r.below(b.count + 1))
        case 3 where b.count > 1:
            let i = r.below(b.count)
            let n = min(b.count - i, 1 + r.below(64))
            b.removeSubrange(i..<(i + n))
        case 4 where !b.isEmpty:
            let i = r.below(b.count)
            let n = min(b.count - i, 1 + r.below(32))
            let chunk = Array(b[i..<(i + n)])
            for _ in 0..<(1 + r.below(200)) { b.insert(contentsOf: chunk, at: i) }
        case 5:
            let other = all[r.below(all.count)]
            let cut = r.below(other.count + 1)
            b = Array(b.prefix(r.below(b.count + 1))) + other[cut...]
        case 6:
            let t = tokens[r.below(2)]
            b.insert(contentsOf: Array(repeating: t, count: 1 + r.below(3000)).flatMap { $0 }, at: r.below(b.count + 1))
        default:
            b.append(contentsOf: tokens[r.below(tokens.count)])
        }
    }
    return Array(b.prefix(1 << 20))
}

// MARK: - targets

func runYAML(_ input: [UInt8]) {
    _ = try? ConfigLoader.load(text: String(decoding: input, as: UTF8.self), name: "fuzz.yaml")
}

func runProcFS(_ input: [UInt8]) {
    let text = String(decoding: input, as: UTF8.self)
    _ = try? ProcStat(parsing: text)
    _ = try? MemInfo(parsing: text)
    _ = try? LoadAvg(parsing: text)
    _ = try? FileNR(parsing: text)
    _ = try? MountInfo(parsing: text)
    _ = try? VMStat(parsing: text)
    _ = try? PressureResource(parsing: text, file: "/proc/pressure/io")
    _ = try? OpenFilesLimit(bytes: input[...])
    // Issue 18: the cgroup files, /proc/PID/stat, cgroup.procs, the forecast's history file (a
    // state file the agent reads at start) and unit globs.
    _ = try? CgroupFile.cpuUsageMicros(input[...], file: "cpu.stat")
    _ = try? CgroupFile.number(input[...], file: "memory.max")
    _ = try? CgroupFile.oomKills(input[...], file: "memory.events")
    _ = try? CgroupFile.ioTotals(input[...], file: "io.stat")
    _ = ProcessCPU.parse(input[...])
    _ = ProcessCPU.pids(input[...], limit: 64)
    let history = FillHistoryFile.decode(FillHistoryFile.header + "\n" + text, file: "forecast-history", now: 1_800_000_000, maxAge: 25_200)
    for (_, h) in history.histories.prefix(4) { _ = FillTrend.forecast(h, windows: ForecastWindows()) }
    _ = UnitGlob.matches(String(text.prefix(256)), "postgresql.service")
    // Issue 19: zone files (TZif with a POSIX footer) the agent reads from /usr/share/zoneinfo,
    // calendar events from vitals.yaml and the socket, and systemd's restart lines.
    if let zone = try? ZoneRules.parse(input, name: "fuzz") {
        _ = zone.offset(at: 1_800_000_000)
        _ = (try? CalendarSpec("Sun *-*-* 02:00"))?.next(after: 1_800_000_000, zone: zone)
    }
    _ = ZoneRules.posix(String(text.prefix(200)), name: "fuzz")?.offset(at: 1_800_000_000)
    if let spec = try? CalendarSpec(String(text.prefix(300))) {
        _ = spec.next(after: 1_800_000_000, zone: .utc)
        _ = spec.normalized
    }
    _ = ServiceRestarts.parse(text)
}

func runPlugin(_ input: [UInt8]) {
    for exit in [PluginExit.exited(0), .exited(2), .exited(3), .exited(77)] {
        let r = PluginOutput.parse(input, exit: exit)
        for p in r.perfData {
            _ = p.pluginText
            if let v = p.value { _ = Units.formatNumber(v) }
        }
        _ = r.applying(r.perfData.prefix(3).map { PerfThreshold(label: $0.label, warning: 1, critical: 2) })
    }
    _ = PerfData.parse(String(decoding: input, as: UTF8.self))
}

func runMatcher(_ input: [UInt8]) {
    let text = String(decoding: input, as: UTF8.self)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let labels = LabelSet(["alertname": "VitalsDisk", "check": "disk", "resource": String(lines.last ?? "/srv"), "instance": "web1"])
    for line in lines.prefix(8) {
        if let m = try? LabelMatcher(parsing: String(line)) {
            _ = m.matches(labels, severity: .critical)
            _ = AlertControls.matchesEveryAlert([m])
        }
        if let re = try? LinearRegex(String(line)) { _ = re.wholeMatch(text) }
    }
}

/// JSON: vitals' own parser (issue 17) on what state files and the status socket bring. A document
/// it accepts must write and read back to the same tree, and decode into the state types or fail
/// with a `DecodingError`, never trap.
func runJSON(_ input: [UInt8]) {
    guard let tree = try? JSONParser.parse(input) else { return }
    for options in [JSONOptions(), .api] {
        let again = try? JSONParser.parse(JSONWriter.write(tree, options: options))
        precondition(again == tree || options.sortedKeys, "JSON did not survive a write and a read")
    }
    _ = try? JSONCodec.decode([PersistedAlert].self, from: tree)
    _ = try? JSONCodec.decode(AlertControls.self, from: tree)
    _ = try? JSONCodec.decode(ActionLedger.self, from: tree)
    _ = try? JSONCodec.decode([String: [Double]].self, from: tree, options: .api)
}

/// HTTP: raw bytes to a real status server (the agent's routes, in memory) over a unix socket.
final class HTTPTarget {
    let path = "/tmp/vitals-fuzz-\(getpid()).sock"
    let server: StatusServer
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    init() async throws {
        let state = AgentState(config: Config(), configFile: nil, startedAt: 0)
        let routes = Routes(state: state, version: "fuzz", pid: getpid())
        server = StatusServer(path: path, group: group) { routes.handle($0) }
        try await server.start()
    }

    func run(_ input: [UInt8]) {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { p in
            path.utf8CString.withUnsafeBytes { src in p.copyMemory(from: UnsafeRawBufferPointer(rebasing: src.prefix(p.count - 1))) }
        }
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard ok == 0 else { return }
        var tv = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        _ = input.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        shutdown(fd, Int32(SHUT_WR))
        var buf = [UInt8](repeating: 0, count: 65536)
        while recv(fd, &buf, buf.count, 0) > 0 {}
    }
}

// MARK: - main

let args = CommandLine.arguments
guard args.count >= 2 else {
    FileHandle.standardError.write(
        Data("usage: vitals-fuzz yaml|procfs|plugin|matcher|http|json|all [--seconds N] [--seed S] [--corpus DIR]...\n".utf8))
    exit(2)
}
var seconds = 30.0
var seed = UInt64(Date().timeIntervalSince1970 * 1000)
var corpora: [String] = []
var i = 2
while i < args.count {
    switch args[i] {
    case "--seconds":
        seconds = Double(args[i + 1]) ?? 30
        i += 2
    case "--seed":
        seed = UInt64(args[i + 1]) ?? seed
        i += 2
    case "--corpus":
        corpora.append(args[i + 1])
        i += 2
    default: i += 1
    }
}
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
let defaults: [String: [String]] = [
    "yaml": [root + "/bench/fuzz/corpus/yaml", root + "/etc/vitals", root + "/Tests/Fixtures/config"],
    "procfs": [
        root + "/bench/fuzz/corpus/procfs", root + "/Tests/Fixtures/proc/debian12",
        root + "/Tests/Fixtures/cgroup/debian12/system.slice/nginx.service",
    ],
    "plugin": [root + "/bench/fuzz/corpus/plugin", root + "/Tests/Fixtures/nagios-plugins"],
    "matcher": [root + "/bench/fuzz/corpus/matcher"],
    "http": [root + "/bench/fuzz/corpus/http"],
    "json": [root + "/bench/fuzz/corpus/json", root + "/Tests/Fixtures/golden"],
]
let targets = args[1] == "all" ? ["yaml", "procfs", "plugin", "matcher", "http", "json"] : [args[1]]
var http: HTTPTarget?
for target in targets {
    guard let dirs = defaults[target] else {
        FileHandle.standardError.write(Data("vitals-fuzz: no target \(target)\n".utf8))
        exit(2)
    }
    let corpus = seeds(corpora.isEmpty ? dirs : corpora)
    var r = Random(seed)
    installHandlers(target: target, seed: seed)
    if target == "http" { http = try await HTTPTarget() }
    let start = Date()
    var runs = 0
    while Date().timeIntervalSince(start) < seconds {
        let input = runs < corpus.count ? corpus[runs] : mutate(corpus[r.below(corpus.count)], corpus, &r)
        keep(input)
        alarm(2)
        switch target {
        case "yaml": runYAML(input)
        case "procfs": runProcFS(input)
        case "plugin": runPlugin(input)
        case "matcher": runMatcher(input)
        case "json": runJSON(input)
        default: http?.run(input)
        }
        alarm(0)
        runs += 1
    }
    print(
        "vitals-fuzz \(target): \(runs) executions in \(Int(Date().timeIntervalSince(start))) s, seed \(seed), \(corpus.count) seeds, no crash or hang"
    )
}
if let http { await http.server.stop() }
exit(0)
