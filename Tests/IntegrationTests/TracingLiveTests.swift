import Foundation
import Hummingbird
import Synchronization
import Testing
import TollgateCore

/// An OTLP/HTTP collector stand-in on loopback: keeps every `POST /v1/traces` body (OTLP JSON).
final class TraceCollector: @unchecked Sendable {  // port is set once, in init
    final class Received: Sendable { let bodies = Mutex<[JSONValue]>([]) }
    let received = Received()
    private let task = Mutex<Task<Void, any Error>?>(nil)
    private(set) var port = 0

    init() async throws {
        let router = Router()
        router.post("/v1/traces") { [received] request, _ -> Response in
            let body = try await request.body.collect(upTo: 16 << 20)
            if let json = try? JSONValue.parse(body.readableBytesView) { received.bodies.withLock { $0.append(json) } }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        let bound = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in bound.continuation.yield(channel.localAddress?.port ?? 0) })
        task.withLock { $0 = Task { try await app.runService() } }
        var it = bound.stream.makeAsyncIterator()
        port = await it.next() ?? 0
    }

    /// Every span received, flattened, with its attributes as plain values.
    var spans: [CollectedSpan] {
        received.bodies.withLock { $0 }.flatMap { body in
            (body["resourceSpans"]?.arrayValue ?? []).flatMap { ($0["scopeSpans"]?.arrayValue ?? []).flatMap { $0["spans"]?.arrayValue ?? [] } }
        }.map(CollectedSpan.init)
    }

    var rawText: String { received.bodies.withLock { $0.map { String(decoding: $0.jsonBytes, as: UTF8.self) }.joined(separator: "\n") } }

    deinit { task.withLock { $0?.cancel() } }
}

/// One span as OTLP JSON carries it (ids normalised to lowercase hex).
struct CollectedSpan {
    let name: String
    let traceID: String
    let spanID: String
    let parentID: String
    let attributes: [String: JSONValue]

    init(_ json: JSONValue) {
        name = json["name"]?.stringValue ?? ""
        traceID = CollectedSpan.hex(json["traceId"]?.stringValue)
        spanID = CollectedSpan.hex(json["spanId"]?.stringValue)
        parentID = CollectedSpan.hex(json["parentSpanId"]?.stringValue)
        var attrs: [String: JSONValue] = [:]
        for a in json["attributes"]?.arrayValue ?? [] {
            guard let key = a["key"]?.stringValue, let value = a["value"]?.objectValue?.first?.1 else { continue }
            attrs[key] = value
        }
        attributes = attrs
    }

    /// OTLP JSON puts ids in hex; a generic protobuf JSON encoder would use base64. Accept both.
    static func hex(_ text: String?) -> String {
        guard let text, !text.isEmpty else { return "" }
        if text.count % 2 == 0, text.allSatisfy(\.isHexDigit) { return text.lowercased() }
        guard let data = Data(base64Encoded: text) else { return text }
        return data.map { String(format: "%02x", $0) }.joined()
    }
}

@Suite("OpenTelemetry traces")
struct TracingLiveTests {
    @Test func aMissAndASemanticHitExportTheirStagesAsChildSpans() async throws {
        let collector = try await TraceCollector()
        let mock = try await startMock()
        let env = ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:\(collector.port)/v1/traces",
                   "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json", "OTEL_BSP_SCHEDULE_DELAY": "50"]
        setenv("TG_IT_TRACE_KEY", "sk-trace-test-key-0123456789", 1)
        let config = semanticYAML + "keys:\n  - { key_env: TG_IT_TRACE_KEY, tenant: traced }\n" + "providers:\n" + providerYAML("budget", port: mock.port)
        let (gateway, _) = try await startGateway(config: config, environment: env)
        let chat = gateway.url + "/v1/chat/completions"
        let auth = ("Authorization", "Bearer sk-trace-test-key-0123456789")

        // The caller's own trace: the gateway's server span must join it.
        let missTrace = "4bf92f3577b34da6a3ce929d0e0e4736", callerSpan = "00f067aa0ba902b7"
        let miss = try await post(chat, chatBody("What is the capital of France?"), headers: [auth, ("traceparent", "00-\(missTrace)-\(callerSpan)-01")])
        #expect(miss.cache == "miss")
        let hitTrace = "5cf92f3577b34da6a3ce929d0e0e4737"
        let hit = try await post(chat, chatBody("What's the capital city of France?"), headers: [auth, ("traceparent", "00-\(hitTrace)-\(callerSpan)-01")])
        #expect(hit.cache == "semantic-hit", "\(hit.headers)")

        // The batch processor exports every 50 ms: poll with a deadline for both traces' write-back and lookups.
        let deadline = ContinuousClock.now + .seconds(20)
        func names(_ trace: String) -> Set<String> { Set(collector.spans.filter { $0.traceID == trace }.map(\.name)) }
        while ContinuousClock.now < deadline, !(names(missTrace).contains(StageSpan.writeBack) && names(hitTrace).contains(StageSpan.semanticLookup)) {
            try await Task.sleep(for: .milliseconds(50))
        }
        let spans = collector.spans

        // The miss: one server span under the caller's span, every stage a child of it.
        let missSpans = spans.filter { $0.traceID == missTrace }
        let server = try #require(missSpans.first { $0.parentID == callerSpan }, "the server span joins the caller's trace: \(missSpans.map(\.name))")
        for stage in [StageSpan.exactLookup, StageSpan.embed, StageSpan.semanticLookup, StageSpan.upstream, StageSpan.writeBack] {
            let span = missSpans.first { $0.name == stage }
            #expect(span?.parentID == server.spanID, "\(stage) is a child of the request span (\(missSpans.map { "\($0.name)←\($0.parentID)" }))")
        }
        let upstream = try #require(missSpans.first { $0.name == StageSpan.upstream })
        #expect(upstream.attributes[StageSpan.Key.provider]?.stringValue == "budget")
        #expect(upstream.attributes[StageSpan.Key.requestModel]?.stringValue == "gpt-4o-mini")
        #expect(upstream.attributes[StageSpan.Key.outcome]?.stringValue == "ok")
        #expect(missSpans.first { $0.name == StageSpan.semanticLookup }?.attributes[StageSpan.Key.hit]?.boolValue == false)
        // The upstream call carried the upstream span's context.
        let seen = try await get(mock.url + "/_mock/stats").json?["last_traceparent"]?.stringValue
        #expect(seen?.hasPrefix("00-\(missTrace)-\(upstream.spanID)-") == true, "traceparent sent upstream: \(seen ?? "none")")

        // The semantic hit: a lookup that hit, with its similarity, and no upstream call.
        let hitSpans = spans.filter { $0.traceID == hitTrace }
        let lookup = try #require(hitSpans.first { $0.name == StageSpan.semanticLookup })
        #expect(lookup.attributes[StageSpan.Key.hit]?.boolValue == true)
        #expect((lookup.attributes[StageSpan.Key.similarity]?.doubleValue ?? 0) > 0.8)
        #expect(!hitSpans.contains { $0.name == StageSpan.upstream })

        // No prompt text and no key in any byte the collector received.
        let text = collector.rawText
        for secret in ["capital", "France", "sk-trace-test-key", "Bearer"] {
            #expect(!text.contains(secret), "\(secret) leaked into the exported spans")
        }
    }

    @Test func tracesAreOffUnlessTheEnvironmentAsksForThem() {
        #expect(!Telemetry.tracesRequested([:]))
        #expect(Telemetry.tracesRequested(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"]))
        #expect(Telemetry.tracesRequested(["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"]))
        #expect(Telemetry.tracesRequested(["OTEL_TRACES_EXPORTER": "otlp"]))
        #expect(!Telemetry.tracesRequested(["OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"]))
        #expect(!Telemetry.tracesRequested(["OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"]))
    }
}
