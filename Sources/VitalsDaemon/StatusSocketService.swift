public import ServiceLifecycle
public import VitalsServer

/// Keeps the status socket open until shutdown, then closes it and removes the file. The socket is
/// bound before the service group starts, so it already listens when READY=1 goes out.
public struct StatusSocketService: Service {
    let server: StatusServer

    public init(server: StatusServer) { self.server = server }

    public func run() async throws {
        try? await gracefulShutdown()
        await server.stop()
    }
}
