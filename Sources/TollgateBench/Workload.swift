import Foundation
import TollgateBase
import TollgateHTTPClient
import TollgateMock
import TollgateExactCache
import TollgateSemantic
import TollgatePipeline
import TollgateFixtures

/// One request of a bench workload: the chat body to send and, for scoring only, the
/// equivalence class of its question (requests of one class may share an answer).
public struct BenchRequest: Sendable {
    /// The `chat.completions` body sent to the gateway (never streamed).
    public var body: JSONValue
    /// The equivalence class; nil when the line has none (the request is then not scored).
    public var classID: String?
    /// The line of the workload file (1-based).
    public var line: Int
    /// The text of the last user message (what the semantic layer compares).
    public var text: String
}

/// A malformed workload line, with its file and line number.
public struct WorkloadError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let line: Int
    public let message: String
    public var description: String { "\(file):\(line): \(message)" }
}

/// Bench workloads: JSON Lines, one request a line, either
/// `{"prompt": "…", "class": "c17"}` or `{"request": {chat body}, "class": "c17"}`; `class`
/// (string or integer) is optional and used only for scoring. Blank lines are skipped.
public enum Workload {
    /// Reads a workload file. `model` is the model of `prompt` lines (and of bodies without one).
    public static func load(path: String, model: String, limit: Int? = nil) throws -> [BenchRequest] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WorkloadError(file: path, line: 0, message: "cannot read the workload file")
        }
        return try parse(String(decoding: data, as: UTF8.self), model: model, file: path, limit: limit)
    }

    /// Parses workload text (see `Workload`); stops after `limit` requests when given.
    public static func parse(_ text: String, model: String, file: String = "workload", limit: Int? = nil) throws -> [BenchRequest] {
        var out: [BenchRequest] = []
        var number = 0
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {  // LF or CRLF
            number += 1
            if let limit, out.count >= limit { break }
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            let json: JSONValue
            do { json = try JSONValue.parse(line) } catch { throw WorkloadError(file: file, line: number, message: "not JSON: \(error)") }
            guard case .object = json else { throw WorkloadError(file: file, line: number, message: "expected a JSON object") }
            var classID: String?
            switch json["class"] {
            case nil, .null?: classID = nil
            case .string(let s)?: classID = s
            case .number(let n)?: classID = n
            default: throw WorkloadError(file: file, line: number, message: "class: expected a string or an integer")
            }
            var body: JSONValue
            if let prompt = json["prompt"] {
                guard let p = prompt.stringValue, !p.isEmpty else { throw WorkloadError(file: file, line: number, message: "prompt: expected a non-empty string") }
                body = requestBody(prompt: p, model: model)
            } else if let request = json["request"] {
                guard case .object = request, request["messages"]?.arrayValue != nil else {
                    throw WorkloadError(file: file, line: number, message: "request: expected a chat.completions body with messages")
                }
                body = request.removing(["stream", "stream_options"])
                if body["model"] == nil { body = body.setting("model", .string(model)) }
            } else {
                throw WorkloadError(file: file, line: number, message: "expected a \"prompt\" or a \"request\" member")
            }
            let messages = body["messages"]?.arrayValue ?? []
            out.append(BenchRequest(body: body, classID: classID, line: number, text: MockProvider.lastUserText(messages)))
        }
        return out
    }

    /// The body of a `prompt` line: one user message, nothing else.
    public static func requestBody(prompt: String, model: String) -> JSONValue {
        ["model": .string(model), "messages": [["role": "user", "content": .string(prompt)]]]
    }

    /// One workload line for a prompt and its class.
    public static func line(prompt: String, classID: String?) -> String {
        var members: [(String, JSONValue)] = [("prompt", .string(prompt))]
        if let classID { members.append(("class", .string(classID))) }
        return JSONValue.object(members).jsonString
    }
}
