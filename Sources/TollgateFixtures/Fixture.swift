import Foundation
import NIOCore
import TollgateBase
import TollgateExactCache
import TollgateSemantic

/// One recorded exchange: a line of a fixture file (JSON Lines, `*.jsonl`).
///
/// Fields: `version` (1), `recorded_at` (ISO 8601), `tenant`, `endpoint`, `request` (the chat
/// request without `stream`), `provider`, `provider_kind`, `model`, `response` (the OpenAI
/// `chat.completion` as served), `usage`, `cost_usd`, `stream`, and for streamed recordings
/// `chunks` (the chunks as forwarded). Never a key or an authorization header.
public struct Fixture: Sendable {
    public static let version = 1

    public var recordedAt: Date
    public var tenant: String
    public var endpoint: String
    public var request: JSONValue
    public var provider: String
    public var providerKind: String
    public var model: String
    public var response: JSONValue
    public var promptTokens: Int
    public var completionTokens: Int
    public var costUSD: Double
    public var stream: Bool
    public var chunks: [JSONValue]?

    public init(recordedAt: Date, tenant: String, endpoint: String = "/v1/chat/completions", request: JSONValue, provider: String, providerKind: String,
                model: String, response: JSONValue, promptTokens: Int, completionTokens: Int, costUSD: Double, stream: Bool, chunks: [JSONValue]? = nil) {
        self.recordedAt = recordedAt
        self.tenant = tenant
        self.endpoint = endpoint
        self.request = request.removing(["stream", "stream_options"])
        self.provider = provider
        self.providerKind = providerKind
        self.model = model
        self.response = response
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.costUSD = costUSD
        self.stream = stream
        self.chunks = chunks
    }

    static func date(_ s: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: s)
    }

    static func string(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: d)
    }

    /// Parses one line; the error says which field is wrong.
    public init(line: String) throws(FixtureError) {
        let json: JSONValue
        do { json = try JSONValue.parse(line) } catch { throw FixtureError("not JSON (\(error))") }
        guard case .object = json else { throw FixtureError("expected a JSON object") }
        guard let v = json["version"]?.intValue else { throw FixtureError("missing `version`") }
        guard v == Fixture.version else { throw FixtureError("fixture version \(v) is not supported by this Tollgate (it reads version \(Fixture.version))") }
        guard let request = json["request"], case .object = request else { throw FixtureError("missing or invalid `request` (a chat request object)") }
        guard let response = json["response"], case .object = response else { throw FixtureError("missing or invalid `response` (a chat.completion object)") }
        guard let choices = response["choices"]?.arrayValue, !choices.isEmpty,
              choices.allSatisfy({ $0["finish_reason"]?.stringValue != nil && $0["message"] != nil }) else {
            throw FixtureError("`response` is not a complete chat.completion (choices with message and finish_reason)")
        }
        do { _ = try ChatRequest(json: request) } catch { throw FixtureError("`request` is not a valid chat request: \(error.message)") }
        guard let provider = json["provider"]?.stringValue else { throw FixtureError("missing `provider`") }
        let at = json["recorded_at"]?.stringValue.flatMap(Fixture.date)
        guard let recordedAt = at else { throw FixtureError("missing or invalid `recorded_at` (ISO 8601)") }
        self.init(recordedAt: recordedAt, tenant: json["tenant"]?.stringValue ?? KeyConfig.defaultTenant,
                  endpoint: json["endpoint"]?.stringValue ?? "/v1/chat/completions", request: request, provider: provider,
                  providerKind: json["provider_kind"]?.stringValue ?? "openai", model: json["model"]?.stringValue ?? (response["model"]?.stringValue ?? ""),
                  response: response, promptTokens: json["usage"]?["prompt_tokens"]?.countValue ?? response["usage"]?["prompt_tokens"]?.countValue ?? 0,
                  completionTokens: json["usage"]?["completion_tokens"]?.countValue ?? response["usage"]?["completion_tokens"]?.countValue ?? 0,
                  costUSD: json["cost_usd"]?.doubleValue ?? 0, stream: json["stream"]?.boolValue ?? false, chunks: json["chunks"]?.arrayValue)
    }

    /// The fixture as one JSON line (no trailing newline).
    public var line: String {
        var fields: [(String, JSONValue)] = [
            ("version", .int(Fixture.version)), ("recorded_at", .string(Fixture.string(recordedAt))), ("tenant", .string(tenant)),
            ("endpoint", .string(endpoint)), ("request", request), ("provider", .string(provider)), ("provider_kind", .string(providerKind)),
            ("model", .string(model)), ("response", response),
            ("usage", ["prompt_tokens": .int(promptTokens), "completion_tokens": .int(completionTokens)]),
            ("cost_usd", .number(Money.format(costUSD))), ("stream", .bool(stream)),
        ]
        if let chunks { fields.append(("chunks", .array(chunks))) }
        return JSONValue.object(fields).jsonString
    }

    /// The exact key this fixture answers.
    public var key: CacheKey {
        CacheKey.exact(endpoint: endpoint, tenant: tenant, body: request)
    }

    /// The fixture as a cache entry.
    public var entry: CacheEntry {
        CacheEntry(createdMs: Int64(recordedAt.timeIntervalSince1970 * 1000), costUSD: costUSD, promptTokens: promptTokens, completionTokens: completionTokens,
                   provider: provider, model: model, tenant: tenant, request: request.canonicalBytes, body: ByteBuffer(bytes: response.jsonBytes))
    }

    /// A fixture from a stored cache entry (for `tollgate cache export`); nil if the entry has
    /// no request recorded or is not a chat answer (embeddings entries: fixtures hold chat answers).
    public init?(entry: CacheEntry) {
        guard !entry.request.isEmpty, let request = try? JSONValue.parse(entry.request),
              let response = try? JSONValue.parse(entry.body.readableBytesView),
              response["choices"]?.arrayValue?.isEmpty == false else { return nil }
        self.init(recordedAt: Date(timeIntervalSince1970: Double(entry.createdMs) / 1000), tenant: entry.tenant.isEmpty ? KeyConfig.defaultTenant : entry.tenant,
                  request: request, provider: entry.provider, providerKind: "", model: entry.model, response: response,
                  promptTokens: entry.promptTokens, completionTokens: entry.completionTokens, costUSD: entry.costUSD, stream: false)
    }
}

/// Why a fixture line was rejected.
public struct FixtureError: Error, CustomStringConvertible, Sendable {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A rejected line: file, line number and reason.
public struct FixtureProblem: Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let message: String
    public var description: String { "\(file):\(line): \(message)" }
}

/// Reads every `*.jsonl` in a folder (sorted by name). Bad lines are reported and skipped; the
/// rest load.
public enum FixtureLoader {
    public static func load(directory: String) throws -> (fixtures: [Fixture], problems: [FixtureProblem]) {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".jsonl") }.sorted()
        var fixtures: [Fixture] = []
        var problems: [FixtureProblem] = []
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            // Only regular files: a symlink could point anywhere on the machine (its contents would
            // be served as answers), and a FIFO would block the read for ever. attributesOfItem
            // does not follow links.
            let type = (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType
            guard type == .typeRegular else {
                problems.append(FixtureProblem(file: path, line: 0, message: type == .typeSymbolicLink ? "a symbolic link; not followed" : "not a regular file; skipped"))
                continue
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                problems.append(FixtureProblem(file: path, line: 0, message: "cannot read the file"))
                continue
            }
            guard let text = String(data: data, encoding: .utf8) else {
                problems.append(FixtureProblem(file: path, line: 0, message: "not UTF-8 text"))
                continue
            }
            let (found, bad) = parse(text, file: path)
            fixtures += found
            problems += bad
        }
        return (fixtures, problems)
    }

    /// The fixtures of one file's text, and its bad lines (with their numbers).
    public static func parse(_ text: String, file: String) -> (fixtures: [Fixture], problems: [FixtureProblem]) {
        var fixtures: [Fixture] = []
        var problems: [FixtureProblem] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            do {
                fixtures.append(try Fixture(line: line))
            } catch {
                problems.append(FixtureProblem(file: file, line: i + 1, message: error.message))
            }
        }
        return (fixtures, problems)
    }
}
