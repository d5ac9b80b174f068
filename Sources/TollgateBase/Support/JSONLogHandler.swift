import Foundation
import Logging
import Synchronization

/// A swift-log handler that writes one JSON object per line to stderr:
/// `{"ts":…,"level":…,"label":…,"msg":…, metadata…}`. Request logs carry `request_id`, the value
/// also returned in `x-request-id`. Prompt text and keys are never put in log metadata.
/// Metadata values are strings, except `LogNumber`s, which are written as JSON numbers.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    let label: String
    /// Serialises the lines of all loggers (one `write(2)` each, never interleaved).
    static let output = Mutex(Int32(2))

    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// UTC with milliseconds, `2026-01-02T03:04:05.678Z`, formatted by hand: a formatter per
    /// line cost more than the rest of an access-log line.
    static func timestamp(_ d: Date) -> String {
        let t = d.timeIntervalSince1970
        let secs = Int(t.rounded(.down))
        let ms = min(999, Int((t - Double(secs)) * 1000))
        let prefix = secondPrefix.withLock { cached in
            if cached.second != secs { cached = (secs, formatSecond(secs)) }
            return cached.text
        }
        return prefix + (ms < 10 ? "00" : ms < 100 ? "0" : "") + String(ms) + "Z"
    }

    /// `2026-01-02T03:04:05.` of the last second formatted (lines come many a second).
    private static let secondPrefix = Mutex<(second: Int, text: String)>((Int.min, ""))

    private static func formatSecond(_ second: Int) -> String {
        var secs = time_t(second)
        var tm = tm()
        gmtime_r(&secs, &tm)
        func pad(_ v: Int32, _ n: Int) -> String {
            let s = String(v)
            return s.count >= n ? s : String(repeating: "0", count: n - s.count) + s
        }
        return "\(pad(tm.tm_year + 1900, 4))-\(pad(tm.tm_mon + 1, 2))-\(pad(tm.tm_mday, 2))T\(pad(tm.tm_hour, 2)):\(pad(tm.tm_min, 2)):\(pad(tm.tm_sec, 2))."
    }

    /// A metadata value as JSON: `LogNumber` as a number, anything else as a redacted string.
    static func value(_ v: Logger.MetadataValue) -> JSONValue {
        if case .stringConvertible(let c) = v, let n = c as? LogNumber { return .number(n.description) }
        return .string(Secrets.redact("\(v)"))
    }

    public func log(event: LogEvent) {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        out.append(contentsOf: #"{"ts":"#.utf8)
        JSONValue.writeString(JSONLogHandler.timestamp(Date()), into: &out)
        out.append(contentsOf: #","level":"#.utf8)
        JSONValue.writeString(event.level.rawValue, into: &out)
        out.append(contentsOf: #","label":"#.utf8)
        JSONValue.writeString(label, into: &out)
        out.append(contentsOf: #","msg":"#.utf8)
        JSONValue.writeString(Secrets.redact(event.message.description), into: &out)
        let all: Logger.Metadata
        if let extra = event.metadata, !extra.isEmpty {
            all = metadata.isEmpty ? extra : metadata.merging(extra) { $1 }
        } else {
            all = metadata
        }
        for (k, v) in all.sorted(by: { $0.key < $1.key }) {
            out.append(UInt8(ascii: ","))
            JSONValue.writeString(k, into: &out)
            out.append(UInt8(ascii: ":"))
            JSONLogHandler.value(v).write(into: &out, canonical: false)
        }
        out.append(contentsOf: "}\n".utf8)
        JSONLogHandler.output.withLock { fd in JSONLogHandler.writeAll(fd, out) }
    }

    /// Writes every byte to `fd` (a short write or EINTR continues; any other error drops the line:
    /// a log line is not worth blocking or crashing for).
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { return }
            }
        }
    }
}
