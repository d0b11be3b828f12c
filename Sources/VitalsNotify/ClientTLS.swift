import NIOSSL

/// TLS for the channels that connect out (SMTP, webhooks, Alertmanager): one way to build the
/// client context and to name the server, so every channel verifies certificates alike.
enum ClientTLS {
    /// A client context that verifies the server's certificate against the system's roots, or
    /// against `caFile` when the channel names one.
    static func context(caFile: String?) -> Result<NIOSSLContext, any Error> {
        var config = TLSConfiguration.makeClientConfiguration()
        if let caFile { config.trustRoots = .file(caFile) }
        return Result { try NIOSSLContext(configuration: config) }
    }

    /// The name sent as SNI and checked against the certificate; nil for an IP address (then
    /// the certificate is checked against the address, and SNI must not carry it).
    static func serverName(_ host: String) -> String? {
        let isIPv4 = host.split(separator: ".").count == 4 && host.split(separator: ".").allSatisfy { UInt8($0) != nil }
        return host.contains(":") || isIPv4 ? nil : host
    }
}
