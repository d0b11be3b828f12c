/// One metric family's pure part, in one file per family (issue 16): the observations its
/// built-in checks evaluate and its lines in /metrics, beside its figures' types. Its sampler, the
/// part that reads /proc, sits in VitalsSamplers and writes the figures into the snapshot.
///
/// A new family is: its sampler (listed in `standardSamplers`), its family file with its checks
/// (listed in `HostSnapshot.families`), and its field in `HostSnapshot`.
public protocol MetricFamily: Sendable {
    /// The built-in checks this family feeds, with their defaults.
    static var checks: [BuiltinCheck] { get }
    /// The observations of this family's built-in checks; `failure(sampler)` is the reading to use
    /// when the sampler produced nothing (it carries the sampler's error).
    static func observations(_ snapshot: HostSnapshot, failure: (String) -> Reading) -> [Observation]
    /// This family's lines in /metrics (nothing when its figures are missing).
    static func metrics(_ snapshot: HostSnapshot, into p: inout PrometheusText)
}

extension HostSnapshot {
    /// The families, in the order their observations and metrics appear.
    public static let families: [any MetricFamily.Type] = [
        CPUFamily.self, MemoryFamily.self, DiskFamily.self, FileHandleFamily.self, LoadFamily.self, PressureFamily.self,
        UnitFamily.self,
    ]

    /// Everything the built-in checks evaluate, derived from this snapshot. A family that could not
    /// be sampled yields `unknown` observations carrying the sampler's error.
    public func observations() -> [Observation] {
        func failure(_ sampler: String) -> Reading {
            .unknown(samplers.first(where: { $0.name == sampler })?.error ?? "\(sampler) sampler produced no data")
        }
        return Self.families.flatMap { $0.observations(self, failure: failure) }
    }

    /// Every family's lines in /metrics.
    public func metrics(into p: inout PrometheusText) {
        for f in Self.families { f.metrics(self, into: &p) }
    }
}
