public import VitalsCore

extension PressureResource {
    /// Parses one /proc/pressure file (`some avg10=0.00 avg60=0.00 avg300=0.00 total=0`, and a
    /// `full` line on memory and io, and on cpu since 5.13).
    public init(parsing text: String, file: String) throws(VitalsError) {
        var some: PressureLine?
        var full: PressureLine?
        for line in Scan.lines(text) {
            let f = Scan.fields(line)
            guard let kind = f.first else { continue }
            var values: [String: Double] = [:]
            for pair in f.dropFirst() {
                guard let eq = pair.firstIndex(of: 0x3D), let v = Scan.double(pair[(eq + 1)...]) else {
                    throw .parse(file, "malformed field \"\(Scan.string(pair))\"")
                }
                values[Scan.string(pair[pair.startIndex..<eq])] = v
            }
            guard let a10 = values["avg10"], let a60 = values["avg60"], let a300 = values["avg300"] else {
                throw .parse(file, "line \"\(Scan.string(line))\" lacks avg10/avg60/avg300")
            }
            let parsed = PressureLine(avg10: a10, avg60: a60, avg300: a300, totalMicros: values["total"] ?? 0)
            switch Scan.string(kind) {
            case "some": some = parsed
            case "full": full = parsed
            default: throw .parse(file, "unexpected line kind \"\(Scan.string(kind))\"")
            }
        }
        guard let some else { throw .parse(file, "no \"some\" line") }
        self.init(some: some, full: full)
    }
}
