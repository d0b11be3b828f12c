public import VitalsCore

/// The mail for a message: RFC 5322 headers (Date, Message-ID, From, To, Subject, threading per
/// alert) and the plain-text body, with CRLF line ends and dot-stuffing for DATA.
public enum SMTPMessage {
    /// The whole DATA payload, ending with the terminating `.` line.
    public static func compose(_ m: OutgoingMessage, settings: SMTPSettings) -> [UInt8] {
        let subject = MessageText.subject(m.message, instance: m.instance, template: settings.subject)
        let keyPart = String(m.key.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "." })
        var headers = [
            "Date: \(Timestamp.rfc5322(m.now))",
            "From: vitals on \(m.instance) <\(settings.from)>",
            "To: \(settings.to.joined(separator: ", "))",
            "Subject: \(encodeHeader(subject))",
            "Message-ID: <\(keyPart).\(Int(m.now))@\(m.instance).vitals>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "Auto-Submitted: auto-generated",
            "X-Vitals-Key: \(m.key)",
        ]
        // One thread per alert in mail clients: every message about it refers to the first.
        if m.message.notifications.count == 1, let n = m.message.notifications.first {
            let root = "<\(n.fingerprint).\(Int(n.startsAt))@\(m.instance).vitals>"
            headers.append("References: \(root)")
            headers.append("In-Reply-To: \(root)")
        }
        var text = headers.joined(separator: "\r\n") + "\r\n\r\n"
        let body = MessageText.body(m.message, instance: m.instance, via: m.via, template: settings.body)
        for line in body.split(separator: "\n", omittingEmptySubsequences: false).dropLast(body.hasSuffix("\n") ? 1 : 0) {
            text += (line.hasPrefix(".") ? "." : "") + line + "\r\n"
        }
        return Array((text + ".\r\n").utf8)
    }

    /// A header value in RFC 2047 encoded words when it is not plain ASCII.
    static func encodeHeader(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 >= 0x80 || $0 < 0x20 }) else { return s }
        // Encoded words of at most 45 bytes of text each (75 characters with the wrapping).
        var words: [String] = []
        var chunk: [UInt8] = []
        for ch in s {
            let bytes = Array(String(ch).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?\(Base64.encode(chunk))?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Base64.encode(chunk))?=") }
        return words.joined(separator: "\r\n ")
    }
}
