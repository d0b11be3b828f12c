import VitalsCore

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 19: `maintenance:`, recurring silences.
extension ConfigDecoder {
    static let maintenanceKeys = ["name", "match", "every", "for", "comment"]

    /// `maintenance: [{name, match, every, for, comment}]`: each window's calendar event is read
    /// as systemd reads it and its time zone from the tz database, so a mistake is refused here
    /// with its position, not found on the night of the backup.
    mutating func decodeMaintenance(_ n: YAMLNode) -> [MaintenanceWindow] {
        guard let items = list(n, "maintenance") else { return [] }
        var out: [MaintenanceWindow] = []
        for (i, item) in items.enumerated() {
            let path = "maintenance[\(i)]"
            guard let mf = fields(item, path, known: Self.maintenanceKeys) else { continue }
            guard
                let entry = namedMatchers(
                    mf, item, path, taken: out.map(\.name), what: "window", nameExample: "weekly-backup",
                    matchHint: "needs matchers, e.g. match: [check=disk, resource=/backup]", everyHint: "name what the window is for, e.g. check=disk"
                )
            else { continue }
            let (name, matchers) = entry
            guard let everyNode = mf["every"], let every = everyNode.scalar else {
                issue(
                    mf["every"] ?? item, "\(path).every",
                    "needs a calendar event, e.g. every: \"Sun *-*-* 02:00\" (test it with systemd-analyze calendar)")
                continue
            }
            let spec: CalendarSpec
            let zone: ZoneRules
            do {
                spec = try CalendarSpec(every)
                zone = try ZoneInfo.load(spec.zone)
            } catch {
                issue(everyNode, "\(path).every", error.message)
                continue
            }
            guard let forNode = mf["for"],
                let length = duration(forNode, "\(path).for", atLeast: MaintenanceWindow.shortest, atMost: MaintenanceWindow.longest)
            else {
                if mf["for"] == nil { issue(item, "\(path).for", "needs the window's length, e.g. for: 2h") }
                continue
            }
            if spec.next(after: Double(time(nil)), zone: zone) == nil {
                issue(everyNode, "\(path).every", "\"\(every)\" does not happen within the next 10 years")
                continue
            }
            let comment = mf["comment"]?.scalar ?? "maintenance window \(name)"
            note("\(path)", item)
            out.append(MaintenanceWindow(name: name, matchers: matchers, every: every, spec: spec, length: length, comment: comment))
        }
        note("maintenance", n)
        return out
    }
}
