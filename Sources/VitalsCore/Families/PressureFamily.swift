/// The pressure family, in one room (issue 16): its figures, the observations its built-in
/// checks evaluate, and its lines in /metrics. Its sampler, which reads the files, is
/// `PressureSampler` (VitalsSamplers); the family is listed in `HostSnapshot.families`.
public enum PressureFamily: MetricFamily {
    public static let checks: [BuiltinCheck] = [.pressureCPU, .pressureMemory, .pressureIO]

    /// Observations for pressure stall information (/proc/pressure).
    public static func observations(_ s: HostSnapshot, failure: (String) -> Reading) -> [Observation] {
        var out: [Observation] = []
        let psi: [(BuiltinCheck, String, (PressureStats) -> Double?)] = [
            (.pressureCPU, "cpu pressure (some avg60)", { $0.cpu?.some.avg60 }),
            (.pressureMemory, "memory pressure (full avg60)", { $0.memory?.full?.avg60 }),
            (.pressureIO, "io pressure (full avg60)", { $0.io?.full?.avg60 }),
        ]
        for (check, subject, pick) in psi {
            let reading: Reading
            if let p = s.pressure {
                if !p.available {
                    reading = .notApplicable("not available: kernel without /proc/pressure (PSI)")
                } else if let v = pick(p) {
                    reading = .value(v)
                } else {
                    reading = .unknown("line missing in /proc/pressure")
                }
            } else {
                reading = failure("pressure")
            }
            out.append(
                Observation(
                    check, reading: reading, subject: subject, quantity: "stalled", unit: "%",
                    detail: UnitFamily.culpritText(for: check, in: s)))
        }
        return out
    }

    public static func metrics(_ s: HostSnapshot, into p: inout PrometheusText) {
        if let ps = s.pressure, ps.available {
            p.family("vitals_pressure_avg10_percent", .gauge, "Share of time stalled over 10 s (/proc/pressure).")
            p.family("vitals_pressure_avg60_percent", .gauge, "Share of time stalled over 60 s (/proc/pressure).")
            p.family("vitals_pressure_stalled_seconds_total", .counter, "Total time stalled (/proc/pressure).")
            for (name, r) in [("cpu", ps.cpu), ("memory", ps.memory), ("io", ps.io)] {
                guard let r else { continue }
                for (kind, line) in [("some", Optional(r.some)), ("full", r.full)] {
                    guard let line else { continue }
                    let l = [("resource", name), ("kind", kind)]
                    p.sample("vitals_pressure_avg10_percent", l, line.avg10)
                    p.sample("vitals_pressure_avg60_percent", l, line.avg60)
                    p.sample("vitals_pressure_stalled_seconds_total", l, line.totalMicros / 1_000_000)
                }
            }
        }
    }
}

extension BuiltinCheck {
    public static let pressureCPU = BuiltinCheck(
        "pressure_cpu", summary: "PSI cpu some avg60 (% of time tasks waited for CPU)",
        defaultSpec: ThresholdSpec(warning: Level(trigger: 80, clear: 60), raiseAfter: .samples(3), clearAfter: .samples(3)))
    public static let pressureMemory = BuiltinCheck(
        "pressure_memory", summary: "PSI memory full avg60 (% of time all tasks stalled on memory)",
        defaultSpec: ThresholdSpec(
            warning: Level(trigger: 10, clear: 5), critical: Level(trigger: 25, clear: 15), raiseAfter: .samples(2),
            clearAfter: .samples(3)))
    public static let pressureIO = BuiltinCheck(
        "pressure_io", summary: "PSI io full avg60 (% of time all tasks stalled on io)",
        defaultSpec: ThresholdSpec(
            warning: Level(trigger: 20, clear: 10), critical: Level(trigger: 50, clear: 30), raiseAfter: .samples(3),
            clearAfter: .samples(3)))
}

/// Pressure stall information for cpu, memory and io; `available` is false where the kernel has
/// no /proc/pressure.
public struct PressureStats: Sendable, Codable, Equatable {
    public var available: Bool
    public var cpu: PressureResource?
    public var memory: PressureResource?
    public var io: PressureResource?

    public init(available: Bool, cpu: PressureResource? = nil, memory: PressureResource? = nil, io: PressureResource? = nil) {
        self.available = available
        self.cpu = cpu
        self.memory = memory
        self.io = io
    }
}

/// The `some` and `full` lines of one /proc/pressure file.
public struct PressureResource: Sendable, Codable, Equatable {
    public var some: PressureLine
    /// Absent for cpu on kernels before 5.13.
    public var full: PressureLine?

    public init(some: PressureLine, full: PressureLine?) {
        self.some = some
        self.full = full
    }
}

/// Share of time stalled, in percent, averaged over 10, 60 and 300 s; `total` in microseconds.
public struct PressureLine: Sendable, Codable, Equatable {
    public var avg10, avg60, avg300: Double
    public var totalMicros: Double

    public init(avg10: Double, avg60: Double, avg300: Double, totalMicros: Double) {
        self.avg10 = avg10
        self.avg60 = avg60
        self.avg300 = avg300
        self.totalMicros = totalMicros
    }

    enum CodingKeys: String, CodingKey {
        case avg10, avg60, avg300
        case totalMicros = "total_us"
    }
}
