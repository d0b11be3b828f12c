public import VitalsCore

extension PressureResource {
    /// Parses one /proc/pressure file (`some avg10=0.00 avg60=0.00 avg300=0.00 total=0`, and a
    /// `full` line on memory and io, and on cpu since 5.13).
    public init(parsing text: String, file: String) throws(VitalsError) { try self.init(bytes: Array(text.utf8)[...], file: file) }

    /// Parses the bytes of one /proc/pressure file, building no String per field.
    public init(bytes: ArraySlice<UInt8>, file: String) throws(VitalsError) {
        var some: PressureLine?
        var full: PressureLine?
        for line in Scan.lines(bytes) {
            let f = Scan.fields(line)
            guard let kind = f.first else { continue }
            var a10: Double?
            var a60: Double?
            var a300: Double?
            var total: Double?
            for pair in f.dropFirst() {
                guard let eq = pair.firstIndex(of: 0x3D), let v = Scan.double(pair[(eq + 1)...]) else {
                    throw .parse(file, "malformed field \"\(Scan.string(pair))\"")
                }
                let key = pair[pair.startIndex..<eq]
                if Scan.equals(key, "avg10") {
                    a10 = v
                } else if Scan.equals(key, "avg60") {
                    a60 = v
                } else if Scan.equals(key, "avg300") {
                    a300 = v
                } else if Scan.equals(key, "total") {
                    total = v
                }
            }
            guard let a10, let a60, let a300 else {
                throw .parse(file, "line \"\(Scan.string(line))\" lacks avg10/avg60/avg300")
            }
            let parsed = PressureLine(avg10: a10, avg60: a60, avg300: a300, totalMicros: total ?? 0)
            if Scan.equals(kind, "some") {
                some = parsed
            } else if Scan.equals(kind, "full") {
                full = parsed
            } else {
                throw .parse(file, "unexpected line kind \"\(Scan.string(kind))\"")
            }
        }
        guard let some else { throw .parse(file, "no \"some\" line") }
        self.init(some: some, full: full)
    }
}
