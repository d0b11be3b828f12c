/// The load family, in one room (issue 16): its figures, the observations its built-in
/// checks evaluate, and its lines in /metrics. Its sampler, which reads the files, is
/// `LoadSampler` (VitalsSamplers); the family is listed in `HostSnapshot.families`.
public enum LoadFamily: MetricFamily {
    public static let checks: [BuiltinCheck] = [.load]

    /// Observations for load averages per online core (/proc/loadavg).
    public static func observations(_ s: HostSnapshot, failure: (String) -> Reading) -> [Observation] {
        var out: [Observation] = []
        if let l = s.load {
            out.append(
                Observation(
                    .load, reading: .value(l.perCore15), subject: "load", quantity: "per core (15 min)", unit: "",
                    detail: "load \(Units.formatNumber(l.load1)) \(Units.formatNumber(l.load5)) \(Units.formatNumber(l.load15)) on \(l.cores) cores"))
        } else {
            out.append(Observation(.load, reading: failure("load"), subject: "load", quantity: "", unit: ""))
        }
        return out
    }

    public static func metrics(_ s: HostSnapshot, into p: inout PrometheusText) {
        if let l = s.load {
            p.family("vitals_load1", .gauge, "1-minute load average.")
            p.sample("vitals_load1", [], l.load1)
            p.family("vitals_load5", .gauge, "5-minute load average.")
            p.sample("vitals_load5", [], l.load5)
            p.family("vitals_load15", .gauge, "15-minute load average.")
            p.sample("vitals_load15", [], l.load15)
        }
    }
}

extension BuiltinCheck {
    public static let load = BuiltinCheck(
        "load", summary: "15-minute load average per online core",
        defaultSpec: ThresholdSpec(warning: Level(trigger: 2, clear: 1.75)), isPercent: false)
}

/// Load averages, raw and divided by the online core count.
public struct LoadStats: Sendable, Codable, Equatable {
    public var load1, load5, load15: Double
    /// Cores the per-core figures divide by (online cores, at least 1).
    public var cores: Int
    public var perCore1: Double { load1 / Double(cores) }
    public var perCore5: Double { load5 / Double(cores) }
    public var perCore15: Double { load15 / Double(cores) }

    public init(load1: Double, load5: Double, load15: Double, cores: Int) {
        self.load1 = load1
        self.load5 = load5
        self.load15 = load15
        self.cores = max(1, cores)
    }

    enum CodingKeys: String, CodingKey { case load1, load5, load15, cores, perCore1, perCore5, perCore15 }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(load1, forKey: .load1)
        try c.encode(load5, forKey: .load5)
        try c.encode(load15, forKey: .load15)
        try c.encode(cores, forKey: .cores)
        try c.encode(perCore1, forKey: .perCore1)
        try c.encode(perCore5, forKey: .perCore5)
        try c.encode(perCore15, forKey: .perCore15)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            load1: try c.decode(Double.self, forKey: .load1), load5: try c.decode(Double.self, forKey: .load5),
            load15: try c.decode(Double.self, forKey: .load15), cores: try c.decode(Int.self, forKey: .cores))
    }
}
