public import VitalsCore

/// Runs every sampler once and assembles the snapshot. Each sampler is timed; one that throws is
/// recorded as failed with its error and the others still run.
public struct SamplingCycle: Sendable {
    public let samplers: [any Sampler]
    /// The /proc root the samplers share; a reload may move it.
    public let proc: ProcFSHandle?
    /// Works out each mount's forecast after the disks are sampled.
    public let forecaster: DiskForecaster?

    public init(samplers: [any Sampler], proc: ProcFSHandle? = nil, forecaster: DiskForecaster? = nil) {
        self.samplers = samplers
        self.proc = proc
        self.forecaster = forecaster
    }

    /// The standard samplers over one shared /proc root, and the disk forecaster (its history
    /// kept in `historyFile` when given).
    public static func standard(config: Config, statvfs: StatvfsWorker = StatvfsWorker(), historyFile: String? = nil) -> SamplingCycle {
        let proc = ProcFSHandle(config.procfsRoot)
        return SamplingCycle(
            samplers: standardSamplers(config: config, proc: proc, statvfs: statvfs), proc: proc,
            forecaster: DiskForecaster(windows: config.disk.forecast, path: historyFile))
    }

    /// Takes one snapshot.
    public func run(cycle: UInt64, timestamp: Double, at instant: ContinuousClock.Instant) async -> HostSnapshot {
        var snap = HostSnapshot(timestamp: timestamp, cycle: cycle)
        let clock = ContinuousClock()
        for sampler in samplers {
            let start = clock.now
            var outcome = SamplerReport.Outcome.ok
            var failure: String?
            do {
                let output = try await sampler.sample(at: instant)
                output.apply(to: &snap)
                if !output.hasData { outcome = .noData }
            } catch {
                outcome = .failed
                failure = "\(error)"
            }
            let micros = start.duration(to: clock.now).wholeMicroseconds
            snap.samplers.append(SamplerReport(name: sampler.name, outcome: outcome, durationMicros: micros, error: failure))
        }
        if let cores = snap.cpu?.onlineCores, let l = snap.load {
            snap.load = LoadStats(load1: l.load1, load5: l.load5, load15: l.load15, cores: cores)
        }
        if let forecaster {
            let start = clock.now
            let failure = forecaster.update(&snap)
            // Reported like a sampler, so a history that cannot be saved shows in the status.
            snap.samplers.append(
                SamplerReport(
                    name: "disk_forecast", outcome: failure == nil ? .ok : .failed, durationMicros: start.duration(to: clock.now).wholeMicroseconds,
                    error: failure.map { "cannot save the fill history: \($0.description); the forecasts work, but a restart rebuilds them" }))
        }
        return snap
    }

    /// Passes a reloaded configuration to every sampler.
    public func apply(_ config: Config) {
        proc?.set(root: config.procfsRoot)
        for s in samplers { s.apply(config) }
        forecaster?.apply(config.disk.forecast)
    }
}
