import Foundation
import Logging
import OTel
import ServiceLifecycle
import Tracing

/// OpenTelemetry traces (swift-otel's OTLP/HTTP exporter behind swift-distributed-tracing),
/// configured the OpenTelemetry way: by the standard `OTEL_*` environment variables.
///
/// Off by default. On when an OTLP endpoint is named (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or
/// `OTEL_EXPORTER_OTLP_ENDPOINT`) or `OTEL_TRACES_EXPORTER=otlp` is set; `OTEL_SDK_DISABLED=true`
/// or `OTEL_TRACES_EXPORTER=none` keeps it off. Everything else (protocol `http/protobuf` or
/// `http/json`, headers, sampler, batch delay, `OTEL_SERVICE_NAME`, default `tollgate`) is read
/// by swift-otel itself. Spans carry stage names, providers, models, token counts and cache
/// outcomes — never prompt text or keys.
public enum Telemetry {
    /// Whether the environment asks for traces.
    public static func tracesRequested(_ environment: [String: String]) -> Bool {
        func value(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0.lowercased() } }
        if value("OTEL_SDK_DISABLED") == "true" { return false }
        if let exporter = value("OTEL_TRACES_EXPORTER") { return exporter.split(separator: ",").contains("otlp") }
        return value("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != nil || value("OTEL_EXPORTER_OTLP_ENDPOINT") != nil
    }

    /// Installs the OTLP tracer as the process's tracer when the environment asks for it, and
    /// returns the exporter's background service (run it beside the server; it flushes on
    /// shutdown). Nil when traces are off: the no-op tracer stays and spans cost next to nothing.
    public static func bootstrap(environment: [String: String] = ProcessInfo.processInfo.environment, logger: Logger) throws -> (any Service)? {
        guard tracesRequested(environment) else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = "tollgate"
        configuration.logs.enabled = false
        configuration.metrics.enabled = false  // metrics are Prometheus' (/metrics)
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(backend.factory)
        let endpoint = environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] ?? environment["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? "the OTLP default (http://localhost:4318)"
        logger.info("traces: exporting OpenTelemetry spans over OTLP/HTTP to \(endpoint)")
        return backend.service
    }
}
