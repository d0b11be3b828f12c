import VitalsCore

#if canImport(Glibc)
    import Glibc
#endif

/// The settings of each channel kind (`channels.NAME` beyond `type`), and secrets.
extension ConfigDecoder {
    static let commonChannelKeys = ["type", "max_alerts_per_hour", "fallback", "retry", "breaker"]
    static let webhookKeys = ["url", "headers", "bearer_token", "basic_auth", "hmac_secret", "connect_timeout", "timeout", "ca_file", "summary"]
    static let smtpKeys = ["servers", "tls", "ca_file", "username", "password", "from", "to", "timeout", "helo", "subject", "body"]
    static let alertmanagerKeys = ["urls", "timeout", "resend_interval", "ca_file", "bearer_token", "basic_auth"]

    /// The keys a channel of `kind` accepts.
    static func channelKeys(_ kind: ChannelConfig.Kind?) -> [String] {
        switch kind {
        case .webhook: commonChannelKeys + webhookKeys
        case .smtp: commonChannelKeys + smtpKeys
        case .alertmanager: commonChannelKeys + alertmanagerKeys
        case .log, nil: commonChannelKeys
        }
    }

    /// Everything of a channel but its type and hourly limit.
    mutating func decodeChannelSettings(_ cf: [String: YAMLNode], node: YAMLNode, path: String, into c: inout ChannelConfig) {
        if let r = cf["retry"], let rf = fields(r, "\(path).retry", known: ["initial", "max", "max_age"]) {
            if let v = rf["initial"], let d = duration(v, "\(path).retry.initial", atLeast: .milliseconds(100)) { c.retry.initial = d }
            if let v = rf["max"], let d = duration(v, "\(path).retry.max", atLeast: .milliseconds(100)) { c.retry.max = d }
            if let v = rf["max_age"], let d = duration(v, "\(path).retry.max_age", atLeast: .seconds(60)) { c.retry.maxAge = d }
        }
        if let b = cf["breaker"], let bf = fields(b, "\(path).breaker", known: ["failures", "recovery", "successes"]) {
            if let v = bf["failures"], let n = integer(v, "\(path).breaker.failures", 1...1000) { c.breaker.failures = n }
            if let v = bf["recovery"], let d = duration(v, "\(path).breaker.recovery", atLeast: .seconds(1)) { c.breaker.recovery = d }
            if let v = bf["successes"], let n = integer(v, "\(path).breaker.successes", 1...100) { c.breaker.successes = n }
        }
        if let v = cf["fallback"] {
            if let s = v.scalar, Self.isChannelName(s) {
                c.fallback = s
                note("\(path).fallback", v)
            } else {
                issue(v, "\(path).fallback", "expected the name of another channel, got \(v.shape)")
            }
        }
        switch c.kind {
        case .log: break
        case .webhook:
            let url = httpURL(cf["url"], "\(path).url", node: node, example: "https://hooks.example.com/vitals")
            var w = WebhookSettings(url: url ?? "")
            if let h = cf["headers"], let entries = mapping(h, "\(path).headers") {
                for (k, v) in entries {
                    guard let name = k.scalar, Self.isHeaderName(name) else {
                        issue(k, "\(path).headers", "header names are letters, digits and -, got \(k.shape)")
                        continue
                    }
                    if let s = v.scalar {
                        w.headers.append(Header(name: name, value: .text(s)))
                    } else if let s = secret(v, "\(path).headers.\(name)") {
                        w.headers.append(Header(name: name, value: .secret(s)))
                    }
                }
                note("\(path).headers", h)
            }
            w.auth = auth(cf, path)
            if let v = cf["hmac_secret"] { w.hmacSecret = secret(v, "\(path).hmac_secret") }
            if let v = cf["connect_timeout"], let d = duration(v, "\(path).connect_timeout", atLeast: .milliseconds(100)) { w.connectTimeout = d }
            if let v = cf["timeout"], let d = duration(v, "\(path).timeout", atLeast: .milliseconds(100)) { w.timeout = d }
            if let v = cf["ca_file"] { w.caFile = absolutePath(v, "\(path).ca_file") }
            if let v = cf["summary"] { w.summary = template(v, "\(path).summary") }
            if url != nil { c.webhook = w }
        case .alertmanager:
            guard let node = cf["urls"], let urls = stringList(node, "\(path).urls"), !urls.isEmpty else {
                issue(cf["urls"] ?? node, "\(path).urls", "needs the Alertmanager URLs, e.g. urls: [http://am1:9093, http://am2:9093]")
                return
            }
            for (i, u) in urls.enumerated() where !Self.isHTTPURL(u) {
                issue(node, "\(path).urls[\(i)]", "expected an http:// or https:// URL such as http://alertmanager:9093, got \"\(u)\"")
            }
            var a = AlertmanagerSettings(urls: urls.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 })
            if let v = cf["timeout"], let d = duration(v, "\(path).timeout", atLeast: .milliseconds(100)) { a.timeout = d }
            if let v = cf["resend_interval"], let d = duration(v, "\(path).resend_interval", atLeast: .seconds(1)) { a.resendInterval = d }
            if let v = cf["ca_file"] { a.caFile = absolutePath(v, "\(path).ca_file") }
            a.auth = auth(cf, path)
            c.alertmanager = a
        case .smtp:
            // Every key is read even when one is wrong, so all mistakes are reported at once.
            var servers: [SMTPSettings.Server] = []
            if let sn = cf["servers"], let texts = stringList(sn, "\(path).servers"), !texts.isEmpty {
                for (i, t) in texts.enumerated() {
                    if let server = HostPort(parsing: t) {
                        servers.append(server)
                    } else {
                        issue(sn, "\(path).servers[\(i)]", "expected host:port (the port is never guessed), e.g. mail.example.com:587, got \"\(t)\"")
                    }
                }
            } else {
                issue(cf["servers"] ?? node, "\(path).servers", "needs at least one server as host:port, e.g. servers: [mail.example.com:587]")
            }
            var tls: SMTPSettings.TLSMode?
            if let tlsNode = cf["tls"] {
                tls = oneOf(tlsNode, "\(path).tls", SMTPSettings.TLSMode.allCases.map(\.rawValue)).flatMap(SMTPSettings.TLSMode.init(rawValue:))
            } else {
                issue(
                    node, "\(path).tls",
                    "needs tls: starttls (port 587), implicit (port 465) or none (a relay on loopback); it is never guessed from the port")
            }
            let from = cf["from"]?.scalar.flatMap { Self.isAddress($0) ? $0 : nil }
            if from == nil { issue(cf["from"] ?? node, "\(path).from", "needs the sender address, e.g. from: vitals@web1.example.com") }
            var to: [String] = []
            if let toNode = cf["to"], let list = stringList(toNode, "\(path).to"), !list.isEmpty {
                for (i, a) in list.enumerated() where !Self.isAddress(a) {
                    issue(toNode, "\(path).to[\(i)]", "\"\(a)\" is not a mail address such as ops@example.com")
                }
                to = list
            } else {
                issue(cf["to"] ?? node, "\(path).to", "needs at least one recipient, e.g. to: [ops@example.com]")
            }
            var s = SMTPSettings(servers: servers, tls: tls ?? .starttls, from: from ?? "", to: to)
            if let v = cf["ca_file"] { s.caFile = absolutePath(v, "\(path).ca_file") }
            if let v = cf["username"] { s.username = v.scalar }
            if let v = cf["password"] { s.password = secret(v, "\(path).password") }
            if (cf["username"] == nil) != (cf["password"] == nil) {
                issue(
                    cf["username"] ?? cf["password"] ?? node, "\(path).username", "username and password go together; set both for AUTH, or neither")
            }
            if let v = cf["timeout"], let d = duration(v, "\(path).timeout", atLeast: .seconds(1)) { s.timeout = d }
            if let v = cf["helo"] { s.helo = v.scalar }
            if let v = cf["subject"] { s.subject = template(v, "\(path).subject") }
            if let v = cf["body"] { s.body = template(v, "\(path).body") }
            if !servers.isEmpty && tls != nil && from != nil && !to.isEmpty { c.smtp = s }
        }
    }

    /// `bearer_token:` or `basic_auth: {user, password}`.
    private mutating func auth(_ cf: [String: YAMLNode], _ path: String) -> WebhookSettings.Auth {
        if let v = cf["bearer_token"], let s = secret(v, "\(path).bearer_token") {
            if cf["basic_auth"] != nil { issue(v, "\(path).bearer_token", "use bearer_token or basic_auth, not both") }
            return .bearer(s)
        }
        if let v = cf["basic_auth"], let bf = fields(v, "\(path).basic_auth", known: ["user", "password"]) {
            guard let user = bf["user"]?.scalar, let p = bf["password"], let s = secret(p, "\(path).basic_auth.password") else {
                issue(v, "\(path).basic_auth", "needs user and password, e.g. basic_auth: {user: vitals, password: {file: /etc/vitals/hook.pass}}")
                return .none
            }
            return .basic(user: user, password: s)
        }
        return .none
    }

    private mutating func httpURL(_ n: YAMLNode?, _ path: String, node: YAMLNode, example: String) -> String? {
        guard let n else {
            issue(node, path, "needs a url, e.g. url: \(example)")
            return nil
        }
        guard let s = n.scalar, Self.isHTTPURL(s) else {
            let hasCredentials = n.scalar?.contains("@") == true
            let hint = hasCredentials ? " (credentials go in basic_auth or bearer_token, not the URL)" : ""
            // What came before an @ may be a password: never echoed.
            let shown = hasCredentials ? "\"\(Self.redactingCredentials(n.scalar ?? ""))\"" : ConfigDecoder.shortShape(n)
            issue(n, path, "expected an http:// or https:// URL such as \(example), got \(shown)\(hint)")
            return nil
        }
        note(path, n)
        return s
    }

    /// A secret: `{file: /path}` or `{credential: NAME}` (systemd's `$CREDENTIALS_DIRECTORY`).
    /// Written in the configuration itself it is refused: vitals.yaml is readable by every user.
    mutating func secret(_ n: YAMLNode, _ path: String) -> Secret? {
        let how =
            "{file: /etc/vitals/secrets/NAME} (mode 0600 or 0640, owner root or vitals) or {credential: NAME} (systemd LoadCredential=NAME:/path)"
        if n.scalar != nil {
            issue(n, path, "a secret is not written in the configuration file (anyone on the host can read it); use \(how)")
            return nil
        }
        guard let f = fields(n, path, known: ["file", "credential"]) else { return nil }
        if let fileNode = f["file"] {
            guard let file = absolutePath(fileNode, "\(path).file") else { return nil }
            return readSecret(file, source: "file \(file)", node: fileNode, path: "\(path).file", checkMode: true)
        }
        if let credNode = f["credential"] {
            guard let name = credNode.scalar, !name.isEmpty, !name.contains("/") else {
                issue(credNode, "\(path).credential", "expected a credential name such as smtp-password, got \(credNode.shape)")
                return nil
            }
            guard let dir = credentialsDirectory else {
                issue(
                    credNode, "\(path).credential",
                    "no systemd credentials here ($CREDENTIALS_DIRECTORY is not set); add LoadCredential=\(name):/path to the unit, or use {file: ...}"
                )
                return nil
            }
            return readSecret("\(dir)/\(name)", source: "credential \(name)", node: credNode, path: "\(path).credential", checkMode: false)
        }
        issue(n, path, "a secret needs file or credential: \(how)")
        return nil
    }

    private mutating func readSecret(_ file: String, source: String, node: YAMLNode, path: String, checkMode: Bool) -> Secret? {
        var st = stat()
        guard stat(file, &st) == 0 else {
            issue(node, path, "cannot read \(file) (\(String(cString: strerror(errno)))); create it with the secret on one line, mode 0600")
            return nil
        }
        if checkMode && st.st_mode & 0o004 != 0 {
            issue(
                node, path,
                "\(file) is readable by every user (mode \(String(st.st_mode & 0o777, radix: 8))); run chmod 600 \(file) (or 640 with group vitals)")
            return nil
        }
        guard let fp = fopen(file, "r") else {
            issue(
                node, path,
                "cannot read \(file) (\(String(cString: strerror(errno)))); the agent's user needs read access (owner vitals, or group vitals and mode 0640)"
            )
            return nil
        }
        defer { fclose(fp) }
        var bytes = [UInt8](repeating: 0, count: 8193)
        let n = fread(&bytes, 1, bytes.count, fp)
        guard n <= 8192 else {
            issue(node, path, "\(file) is larger than 8 KiB; a secret is one line")
            return nil
        }
        var text = String(decoding: bytes[0..<n], as: UTF8.self)
        while text.last == "\n" || text.last == "\r" { text.removeLast() }
        guard !text.isEmpty else {
            issue(node, path, "\(file) is empty; write the secret on one line")
            return nil
        }
        return Secret(text, source: source)
    }

    /// The URL with whatever stands between the scheme and the last `@` of its authority replaced
    /// by `<redacted>`: `https://<redacted>@hooks.example.com/x`.
    static func redactingCredentials(_ url: String) -> String {
        var scheme = Substring("")
        for prefix in ["https://", "http://"] where url.hasPrefix(prefix) { scheme = url.prefix(prefix.count) }
        let rest = url.dropFirst(scheme.count)
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return String(url.prefix(80)) }
        return String((scheme + "<redacted>" + rest[at...]).prefix(120))
    }

    /// An http:// or https:// URL with a host and without credentials in it (they would print
    /// wherever the URL does; basic_auth and bearer_token keep them secret).
    static func isHTTPURL(_ s: String) -> Bool {
        let rest: Substring
        if s.hasPrefix("https://") { rest = s.dropFirst(8) } else if s.hasPrefix("http://") { rest = s.dropFirst(7) } else { return false }
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        return !authority.isEmpty && !authority.contains("@") && !authority.contains(" ")
    }

    static func isHeaderName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { $0.isASCIIAlnum || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    static func isAddress(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty
            && !s.contains(where: { $0 == " " || $0 == "<" || $0 == ">" || $0 == "\r" || $0 == "\n" })
    }
}

/// Issue 19: message templates.
extension ConfigDecoder {
    /// A channel's own text (`subject`, `body`, `summary`): checked here, so an unknown field or a
    /// broken placeholder is refused at load with its position, never met at the first alert.
    mutating func template(_ n: YAMLNode, _ path: String) -> MessageTemplate? {
        guard let text = n.scalar else {
            issue(n, path, "expected a text with {{ field }} placeholders, e.g. \"[{{ severity | upper }}] {{ instance }}: {{ message }}\"")
            return nil
        }
        do {
            let t = try MessageTemplate(text)
            note(path, n)
            return t
        } catch {
            issue(
                n, path, "\(error.message); e.g. \"[{{ severity | upper }}] {{ instance }}: {{ message }}\" (vitals test-notify --template shows it)")
            return nil
        }
    }
}

/// Issue 19: `heartbeat:`, the dead man's switch.
extension ConfigDecoder {
    static let heartbeatKeys = ["url", "fail_url", "interval", "method", "timeout", "ca_file"]

    /// `heartbeat: {url, fail_url, interval, method, timeout, ca_file}`; `url` (and `fail_url`) is
    /// an http(s) URL or a secret holding one (`{file:}`, `{credential:}`), since a ping URL's
    /// path is usually its token. `heartbeat: off` (or no section) sends none.
    mutating func decodeHeartbeat(_ n: YAMLNode) -> HeartbeatConfig? {
        if n.isNull || n.scalar == "off" {
            note("heartbeat", n)
            return nil
        }
        guard let hf = fields(n, "heartbeat", known: Self.heartbeatKeys) else { return nil }
        let example = "https://hc-ping.com/<uuid>"
        guard let urlNode = hf["url"] else {
            issue(n, "heartbeat.url", "needs a url, e.g. url: \(example), or {file: /etc/vitals/secrets/heartbeat-url}")
            return nil
        }
        guard let url = pingURL(urlNode, "heartbeat.url", node: n, example: example) else { return nil }
        var h = HeartbeatConfig(url: url)
        if let v = hf["fail_url"] { h.failURL = pingURL(v, "heartbeat.fail_url", node: n, example: "https://hc-ping.com/<uuid>/fail") }
        if let v = hf["interval"], let d = duration(v, "heartbeat.interval", atLeast: .seconds(2), atMost: .seconds(86400)) { h.interval = d }
        if let v = hf["method"], let m = oneOf(v, "heartbeat.method", HeartbeatConfig.Method.allCases.map(\.rawValue)) {
            h.method = HeartbeatConfig.Method(rawValue: m)!
        }
        if let v = hf["timeout"], let d = duration(v, "heartbeat.timeout", atLeast: .seconds(1), atMost: .seconds(120)) { h.timeout = d }
        if h.timeout >= h.interval, let v = hf["timeout"] ?? hf["interval"] {
            issue(
                v, "heartbeat.timeout",
                "\(Units.formatDuration(h.timeout)) must be shorter than heartbeat.interval \(Units.formatDuration(h.interval)) so one slow call cannot delay the next"
            )
        }
        if let v = hf["ca_file"] { h.caFile = absolutePath(v, "heartbeat.ca_file") }
        return h
    }

    /// A ping URL: written out, or a secret whose content is one.
    private mutating func pingURL(_ n: YAMLNode, _ path: String, node: YAMLNode, example: String) -> HeaderValue? {
        if n.scalar != nil { return httpURL(n, path, node: node, example: example).map(HeaderValue.text) }
        guard let s = secret(n, path) else { return nil }
        guard Self.isHTTPURL(s.reveal()) else {
            issue(n, path, "the \(s.source) does not hold an http:// or https:// URL such as \(example)")
            return nil
        }
        return .secret(s)
    }
}
