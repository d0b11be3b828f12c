import Synchronization
public import VitalsCore
public import VitalsProcFS

/// Space and inodes of every watched mount: mounts from /proc/self/mountinfo chosen by
/// `MountSelection`, statvfs through the `StatvfsWorker` with a deadline.
///
/// mountinfo is kept open and parsed again only when the kernel reports a change of the mount
/// table (`KeptFile.mountTableChanged`), so a quiet host pays one `poll` per cycle for it.
public final class DiskSampler: Sampler {
    public let name = "disk"
    private let proc: ProcFSHandle
    private let config: Mutex<(disk: DiskConfig, timeout: Duration)>
    private let worker: StatvfsWorker
    private let mounts = Mutex<(root: String, file: KeptFile?, selected: [MountInfoEntry]?)>(("", nil, nil))

    public init(proc: ProcFSHandle, config: Config, worker: StatvfsWorker) {
        self.proc = proc
        self.config = Mutex((config.disk, config.effectiveStatvfsTimeout))
        self.worker = worker
    }

    public func apply(_ config: Config) {
        self.config.withLock { $0 = (config.disk, config.effectiveStatvfsTimeout) }
        mounts.withLock { $0.selected = nil }
    }

    public func sample(at instant: ContinuousClock.Instant) async throws -> SamplerOutput {
        let (cfg, timeout) = config.withLock { $0 }
        let fs = proc.procfs
        let mounts = try self.mounts.withLock { m throws -> [MountInfoEntry] in
            if m.root != fs.root || m.file == nil { m = (fs.root, KeptFile(fs.path("self/mountinfo")), nil) }
            if let selected = m.selected, !m.file!.mountTableChanged() { return selected }
            let entries = try m.file!.read { b in try MountInfo(bytes: b).entries }
            let selected = MountSelection.select(entries, config: cfg)
            m.selected = selected
            return selected
        }
        let outcomes = await worker.stat(mounts.map(\.mountPoint), timeout: timeout)
        return .family(\.disks, mounts.map { Self.stats($0, outcomes[$0.mountPoint] ?? .notResponding, timeout: timeout) })
    }

    /// The figures of one mount from its statvfs outcome (pure).
    public static func stats(_ m: MountInfoEntry, _ outcome: StatvfsWorker.Outcome, timeout: Duration) -> DiskStats {
        var d = DiskStats(mountPoint: m.mountPoint, device: m.source, fsType: m.fsType, usedPercent: .unknown(""), inodesUsedPercent: .unknown(""))
        switch outcome {
        case .notResponding:
            let reason = "mount not responding: statvfs took longer than \(Units.formatDuration(timeout))"
            d.usedPercent = .unknown(reason)
            d.inodesUsedPercent = .unknown(reason)
        case .failed(let e):
            d.usedPercent = .unknown(e.description)
            d.inodesUsedPercent = .unknown(e.description)
        case .stats(let s):
            let bs = Double(s.blockSize)
            let size = Double(s.blocks) * bs
            let used = Double(s.blocks >= s.blocksFree ? s.blocks - s.blocksFree : 0) * bs
            let avail = Double(s.blocksAvailable) * bs
            d.sizeBytes = size
            d.usedBytes = used
            d.freeBytes = avail
            d.reservedBytes = Double(s.blocksFree >= s.blocksAvailable ? s.blocksFree - s.blocksAvailable : 0) * bs
            d.usedPercent = used + avail > 0 ? .value(used / (used + avail) * 100) : .notApplicable("filesystem reports no blocks")
            if s.files == 0 {
                d.inodesUsedPercent = .notApplicable("filesystem has no inode limit")
            } else {
                d.inodesTotal = Double(s.files)
                d.inodesUsed = Double(s.files >= s.filesFree ? s.files - s.filesFree : 0)
                d.inodesUsedPercent = .value(Double(s.files >= s.filesFree ? s.files - s.filesFree : 0) / Double(s.files) * 100)
            }
        }
        return d
    }
}
