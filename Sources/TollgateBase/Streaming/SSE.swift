import NIOCore

/// One server-sent event.
public struct SSEEvent: Sendable, Equatable {
    /// The `event:` field (nil when absent, i.e. "message").
    public var event: String?
    /// The `data:` lines joined with newlines.
    public var data: String
}

/// An incremental server-sent-events parser: feed it bytes as they arrive, get whole events.
public struct SSEParser: Sendable {
    private var buffer: [UInt8] = []
    private var event: String?
    private var data: [String] = []

    public init() {}

    /// Adds bytes and returns the events they complete.
    public mutating func feed(_ bytes: [UInt8]) -> [SSEEvent] {
        buffer += bytes
        var events: [SSEEvent] = []
        var start = 0
        while let nl = buffer[start...].firstIndex(of: 0x0A) {
            var end = nl
            if end > start, buffer[end - 1] == 0x0D { end -= 1 }
            let line = String(decoding: buffer[start..<end], as: UTF8.self)
            start = nl + 1
            if line.isEmpty {
                if !data.isEmpty || event != nil { events.append(SSEEvent(event: event, data: data.joined(separator: "\n"))) }
                event = nil
                data = []
            } else if line.hasPrefix(":") {
                continue  // comment / keep-alive
            } else {
                let (field, value) = SSEParser.split(line)
                switch field {
                case "data": data.append(value)
                case "event": event = value
                default: break  // id, retry
                }
            }
        }
        buffer.removeFirst(start)
        return events
    }

    static func split(_ line: String) -> (String, String) {
        guard let colon = line.firstIndex(of: ":") else { return (line, "") }
        var value = line[line.index(after: colon)...]
        if value.first == " " { value = value.dropFirst() }
        return (String(line[..<colon]), String(value))
    }
}

/// Formats server-sent events the way OpenAI sends them.
public enum SSE {
    public static func data(_ json: JSONValue) -> ByteBuffer {
        var b = ByteBuffer()
        b.writeString("data: ")
        b.writeBytes(json.jsonBytes)
        b.writeString("\n\n")
        return b
    }

    public static let done = ByteBuffer(string: "data: [DONE]\n\n")
}
