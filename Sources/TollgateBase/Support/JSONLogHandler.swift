import Foundation
import Logging
import Synchronization

/// A swift-log handler that writes one JSON object per line to stderr:
/// `{"ts":…,"level":…,"label":…,"msg":…, metadata…}`. Request logs carry `request_id`, the value
/// also returned in `x-request-id`. Prompt text and keys are never put in log metadata.
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

    static func timestamp(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: d)
    }

    public func log(event: LogEvent) {
        var fields: [(String, JSONValue)] = [
            ("ts", .string(JSONLogHandler.timestamp(Date()))), ("level", .string(event.level.rawValue)),
            ("label", .string(label)), ("msg", .string(Secrets.redact(event.message.description))),
        ]
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        for (k, v) in all.sorted(by: { $0.key < $1.key }) { fields.append((k, .string(Secrets.redact("\(v)")))) }
        let line = Data((JSONValue.object(fields).jsonString + "\n").utf8)
        JSONLogHandler.output.withLock { $0.write(line) }
    }
}
