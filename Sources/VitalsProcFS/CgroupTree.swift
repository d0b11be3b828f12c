import CHost
public import VitalsCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The cgroup v2 hierarchy's systemd units, found by walking the unit directories (slices and
/// the units in them) and found again only when inotify reports a directory made or removed
/// below one of them: a cycle with no unit started or stopped costs one `read` of the inotify
/// descriptor, not a walk. Each directory is watched before it is listed, so a unit made while
/// the walk runs is either listed or reported.
public final class CgroupTree {
    /// The cgroup v2 mount read.
    public let mount: String
    /// The units found, in walk order (parents before their children).
    public private(set) var units: [CgroupUnit] = []
    /// Units beyond the bound, not followed.
    public private(set) var untracked = 0
    private var inotify: Int32 = -1
    private var walked = false
    private var pending = false
    private var lastWalk: ContinuousClock.Instant?
    private var settings: (max: Int, exclude: [String]) = (0, [])

    /// How deep below the mount units are looked for (user@.service/app.slice/x.service is 4).
    public static let maxDepth = 8

    /// The cgroup v2 mount under `root`: `root` itself on a unified host, `root/unified` on a
    /// hybrid one (v1 controllers, v2 beside them), nil on cgroup v1 only or without cgroups.
    public static func locate(root: String) -> String? {
        for candidate in [root, root + "/unified"] where Syscalls.exists(candidate + "/cgroup.controllers") {
            return candidate
        }
        return nil
    }

    public init(mount: String) { self.mount = mount }

    deinit { if inotify >= 0 { close(inotify) } }

    /// The shortest time between two walks caused by inotify events: a user who makes and removes
    /// cgroups in a loop inside their delegated subtree (user@UID.service) costs at most one walk
    /// per gap, not one per cycle. A unit started meanwhile is found at the next walk.
    public static let minimumWalkGap: Duration = .seconds(5)

    /// Walks the hierarchy again when it is the first call, the bound or exclusions changed, or a
    /// unit directory was made or removed since the last walk (at most once per
    /// `minimumWalkGap` for the last). True when it walked. `now` is the cycle's time.
    @discardableResult
    public func refresh(max: Int, exclude: [String], now: ContinuousClock.Instant = .now) throws(VitalsError) -> Bool {
        let forced = !walked || settings.max != max || settings.exclude != exclude
        if !forced && inotify >= 0 {
            if vitals_inotify_drain(inotify) != 0 { pending = true }
        } else if !forced {
            pending = true  // no inotify: every refresh may walk (gap permitting)
        }
        let due = pending && lastWalk.map { $0.duration(to: now) >= Self.minimumWalkGap } ?? true
        guard forced || due else { return false }
        settings = (max, exclude)
        try walk()
        walked = true
        pending = false
        lastWalk = now
        return true
    }

    private func walk() throws(VitalsError) {
        if inotify >= 0 { close(inotify) }
        let fd = vitals_inotify_open()
        inotify = fd >= 0 ? fd : -1
        var old: [String: CgroupUnit] = [:]
        for u in units { old[u.path] = u }
        var found: [(path: String, name: String, leaf: Bool)] = []
        untracked = 0
        // The mount itself must be listable; a unit directory that vanished mid-walk is skipped.
        watch(mount)
        var more = false
        let top = try Syscalls.listSubdirectories(mount, limit: 100_000, more: &more)
        func visit(_ relative: String, depth: Int) -> Bool {
            let name = relative.split(separator: "/").last.map(String.init) ?? relative
            if settings.exclude.contains(where: { UnitGlob.matches($0, name) }) { return false }
            guard found.count < settings.max else {
                untracked += 1
                return true
            }
            let index = found.count
            found.append((relative, name, true))
            guard depth < Self.maxDepth else { return true }
            // Watched before it is listed: a unit started between the two is still reported (a
            // watch added after the listing missed one in the container test).
            watch(mount + "/" + relative)
            var more = false
            guard let children = try? Syscalls.listSubdirectories(mount + "/" + relative, limit: 100_000, more: &more) else { return true }
            var hasUnits = false
            for child in children.sorted() where CgroupFile.isUnitName(child) {
                if visit(relative + "/" + child, depth: depth + 1) { hasUnits = true }
            }
            found[index].leaf = !hasUnits && !name.hasSuffix(".slice")
            return true
        }
        for child in top.sorted() where CgroupFile.isUnitName(child) { _ = visit(child, depth: 1) }
        var count: [String: Int] = [:]
        for f in found { count[f.name, default: 0] += 1 }
        units = found.map { f in
            let display = count[f.name, default: 0] > 1 ? f.path : f.name
            if let u = old[f.path], u.name == display, u.leaf == f.leaf { return u }
            return CgroupUnit(name: display, path: f.path, directory: mount + "/" + f.path, leaf: f.leaf)
        }
    }

    private func watch(_ directory: String) {
        guard inotify >= 0 else { return }
        // A directory that cannot be watched (the watch limit reached) is then walked again at
        // every refresh: correct, only dearer.
        if vitals_inotify_watch_dirs(inotify, directory) < 0 {
            close(inotify)
            inotify = -1
        }
    }
}

/// One unit's cgroup directory and its files: cpu.stat and memory.current kept open (read every
/// cycle), the rest read when asked for details. A file the kernel does not offer for this unit
/// (a controller not enabled) is remembered as missing and not tried again.
public final class CgroupUnit {
    /// The unit's name ("nginx.service"), or its path where two units share a name.
    public let name: String
    /// The path below the mount ("system.slice/nginx.service").
    public let path: String
    /// True when no unit is below it and it is not a slice.
    public let leaf: Bool
    let directory: String
    private let cpuStat: KeptFile
    private var memoryCurrent: KeptFile?
    private var missing: Set<String> = []
    private var buffer: [UInt8] = []

    init(name: String, path: String, directory: String, leaf: Bool) {
        self.name = name
        self.path = path
        self.leaf = leaf
        self.directory = directory
        cpuStat = KeptFile(directory + "/cpu.stat", maxBytes: 64 << 10)
        memoryCurrent = KeptFile(directory + "/memory.current", maxBytes: 4096)
    }

    /// What one read of the unit's files gave; nil where the file is missing.
    public struct Reading: Sendable, Equatable {
        public var cpuMicros: UInt64?
        public var memoryBytes: UInt64?
        public var memoryMax: UInt64?
        public var memoryHigh: UInt64?
        public var swapBytes: UInt64?
        public var oomKills: UInt64?
        public var io: CgroupFile.IOTotals?
        public var cpuPressure: Double?
        public var memoryPressure: Double?
        public var ioPressure: Double?
        /// True when the slower files were read too (`read(details: true)`).
        public var detailed = false

        public init() {}
    }

    /// Reads the unit's figures: cpu.stat and memory.current always, the limits, swap, events,
    /// io.stat and pressure files with `details`. Throws when the unit's directory is gone (the
    /// unit stopped since the walk) or cpu.stat cannot be read or parsed.
    public func read(details: Bool) throws -> Reading {
        var r = Reading()
        let cpuPath = cpuStat.path
        r.cpuMicros = try cpuStat.read { b in try CgroupFile.cpuUsageMicros(b, file: cpuPath) }
        if let m = memoryCurrent {
            do {
                r.memoryBytes = try m.read { b in try CgroupFile.number(b, file: m.path) }
            } catch let e as VitalsError where Syscalls.isNotFound(e) {
                memoryCurrent = nil
            }
        }
        guard details else { return r }
        r.detailed = true
        r.memoryMax = try optional("memory.max") { b, f throws(VitalsError) in try CgroupFile.number(b, file: f) } ?? nil
        r.memoryHigh = try optional("memory.high") { b, f throws(VitalsError) in try CgroupFile.number(b, file: f) } ?? nil
        r.swapBytes = try optional("memory.swap.current") { b, f throws(VitalsError) in try CgroupFile.number(b, file: f) } ?? nil
        r.oomKills = try optional("memory.events") { b, f throws(VitalsError) in try CgroupFile.oomKills(b, file: f) }
        r.io = try optional("io.stat") { b, f throws(VitalsError) in try CgroupFile.ioTotals(b, file: f) }
        r.cpuPressure = try optional("cpu.pressure") { b, f throws(VitalsError) in try PressureResource(bytes: b, file: f).some.avg60 }
        r.memoryPressure = try optional("memory.pressure") { b, f throws(VitalsError) in try PressureResource(bytes: b, file: f).some.avg60 }
        r.ioPressure = try optional("io.pressure") { b, f throws(VitalsError) in try PressureResource(bytes: b, file: f).some.avg60 }
        return r
    }

    /// The processes in the unit's own cgroup (cgroup.procs), at most `limit`; empty when it is gone.
    public func pids(limit: Int) -> [Int32] {
        guard let n = try? Syscalls.readFile(directory + "/cgroup.procs", into: &buffer, maxBytes: 1 << 20) else { return [] }
        return ProcessCPU.pids(buffer[..<n], limit: limit)
    }

    /// One file read and parsed; nil (and not tried again) when the unit has no such file, or
    /// when pressure is turned off (EOPNOTSUPP).
    private func optional<T>(_ file: String, _ parse: (ArraySlice<UInt8>, String) throws(VitalsError) -> T) throws(VitalsError) -> T? {
        guard !missing.contains(file) else { return nil }
        let path = directory + "/" + file
        do {
            let n = try Syscalls.readFile(path, into: &buffer, maxBytes: 64 << 10)
            return try parse(buffer[..<n], path)
        } catch {
            if Syscalls.isNotFound(error) || Syscalls.isNotSupported(error) {
                missing.insert(file)
                return nil
            }
            throw error
        }
    }
}
