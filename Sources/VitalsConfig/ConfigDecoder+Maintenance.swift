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
            guard let name = mf["name"]?.scalar, Self.isChannelName(name) else {
                issue(mf["name"] ?? item, "\(path).name", "needs a name of letters, digits, - and _ (e.g. weekly-backup)")
                continue
            }
            if out.contains(where: { $0.name == name }) {
                issue(mf["name"] ?? item, "\(path).name", "\"\(name)\" is used by an earlier window; names are unique")
                continue
            }
            let matchers = mf["match"].flatMap { self.matchers($0, "\(path).match") } ?? []
            if matchers.isEmpty {
                issue(mf["match"] ?? item, "\(path).match", "needs matchers, e.g. match: [check=disk, resource=/backup]")
                continue
            }
            if AlertControls.matchesEveryAlert(matchers) {
                issue(mf["match"] ?? item, "\(path).match", "these matchers match every alert; name what the window is for, e.g. check=disk")
                continue
            }
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
