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
    static let output = Mutex(FileHandle.standardError)

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
        var secs = time_t(t.rounded(.down))
        let ms = min(999, Int((t - Double(secs)) * 1000))
        var tm = tm()
        gmtime_r(&secs, &tm)
        func pad(_ v: Int32, _ n: Int) -> String {
            let s = String(v)
            return s.count >= n ? s : String(repeating: "0", count: n - s.count) + s
        }
        return "\(pad(tm.tm_year + 1900, 4))-\(pad(tm.tm_mon + 1, 2))-\(pad(tm.tm_mday, 2))T\(pad(tm.tm_hour, 2)):\(pad(tm.tm_min, 2)):\(pad(tm.tm_sec, 2)).\(pad(Int32(ms), 3))Z"
    }

    /// A metadata value as JSON: `LogNumber` as a number, anything else as a redacted string.
    static func value(_ v: Logger.MetadataValue) -> JSONValue {
        if case .stringConvertible(let c) = v, let n = c as? LogNumber { return .number(n.description) }
        return .string(Secrets.redact("\(v)"))
    }

    public func log(event: LogEvent) {
        var fields: [(String, JSONValue)] = [
            ("ts", .string(JSONLogHandler.timestamp(Date()))), ("level", .string(event.level.rawValue)),
            ("label", .string(label)), ("msg", .string(Secrets.redact(event.message.description))),
        ]
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        for (k, v) in all.sorted(by: { $0.key < $1.key }) { fields.append((k, JSONLogHandler.value(v))) }
        let line = Data((JSONValue.object(fields).jsonString + "\n").utf8)
        JSONLogHandler.output.withLock { $0.write(line) }
    }
}
