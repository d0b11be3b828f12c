import Synchronization
import VitalsCore
public import VitalsProcFS

/// The ProcFS root shared by the samplers, swappable at reload.
public final class ProcFSHandle: Sendable {
    private let current: Mutex<ProcFS>

    public init(_ root: String) { current = Mutex(ProcFS(root: root)) }

    public var procfs: ProcFS { current.withLock { $0 } }

    public func set(root: String) { current.withLock { $0 = ProcFS(root: root) } }
}
