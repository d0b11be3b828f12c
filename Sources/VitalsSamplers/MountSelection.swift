public import VitalsCore
public import VitalsProcFS

/// Which mounts the disk checks watch: real filesystems only, each filesystem once (pure).
///
/// Skipped: pseudo filesystems (proc, sysfs, cgroup, devtmpfs, ...), read-only images (squashfs,
/// erofs, iso9660) and overlay, snap and container mounts, and tmpfs unless asked for. A filesystem
/// mounted at several places (bind mounts) is watched once, at the mount of its root with the
/// shortest path.
public enum MountSelection {
    /// Filesystem types never watched.
    public static let skippedTypes: Set<String> = [
        "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts", "devtmpfs", "efivarfs",
        "fusectl", "hugetlbfs", "iso9660", "mqueue", "nsfs", "overlay", "proc", "procfs", "pstore", "ramfs",
        "rpc_pipefs", "securityfs", "selinuxfs", "squashfs", "erofs", "sysfs", "tracefs", "nfsd", "aufs", "devfs",
        "fuse.lxcfs", "fuse.gvfsd-fuse", "fuse.portal", "fuse.snapfuse", "zram", "cramfs", "romfs", "udf",
    ]

    /// Mount points (and everything below them) never watched.
    public static let skippedPrefixes = [
        "/proc", "/sys", "/dev", "/run/credentials", "/snap", "/var/lib/docker", "/var/lib/containers/storage",
        "/run/containerd", "/run/docker", "/var/snap",
    ]

    /// The mounts to watch, in mountinfo order.
    public static func select(_ entries: [MountInfoEntry], config: DiskConfig) -> [MountInfoEntry] {
        var chosen: [String: MountInfoEntry] = [:]
        var order: [String] = []
        for e in entries where watched(e, config: config) {
            // tmpfs and other nodev filesystems share major 0 but each has its own minor, so the
            // device number identifies one filesystem in every case.
            if let existing = chosen[e.device] {
                if better(e, than: existing) { chosen[e.device] = e }
            } else {
                chosen[e.device] = e
                order.append(e.device)
            }
        }
        return order.compactMap { chosen[$0] }
    }

    static func watched(_ e: MountInfoEntry, config: DiskConfig) -> Bool {
        if e.fsType == "tmpfs" { return config.includeTmpfs && !underSkippedPrefix(e.mountPoint) }
        if skippedTypes.contains(e.fsType) || config.excludeTypes.contains(e.fsType) { return false }
        if underSkippedPrefix(e.mountPoint) { return false }
        for pattern in config.excludeMounts where matches(pattern, e.mountPoint) { return false }
        return true
    }

    static func underSkippedPrefix(_ path: String) -> Bool {
        skippedPrefixes.contains { path == $0 || path.hasPrefix($0 + "/") }
    }

    /// `/mnt/backup*` matches by prefix; anything else matches exactly.
    static func matches(_ pattern: String, _ path: String) -> Bool {
        pattern.hasSuffix("*") ? path.hasPrefix(pattern.dropLast()) : path == pattern
    }

    private static func better(_ a: MountInfoEntry, than b: MountInfoEntry) -> Bool {
        if (a.root == "/") != (b.root == "/") { return a.root == "/" }
        return a.mountPoint.count < b.mountPoint.count
    }
}
