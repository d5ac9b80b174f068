/// The embedded default configuration that `tollgate serve` runs with no `--config`: loopback,
/// port 8080, data in `.tollgate/`, semantic cache on, offline against the bundled `fixtures/`
/// (resolved against the working directory); the review queue keeps
/// prompt text (`observability.keep_prompts`), as everything stays on this machine. The providers are the public APIs, used only when
/// the gateway is started online (`tollgate serve --config FILE`) or recording.
public enum DefaultConfig {
    public static let yaml = """
    listen: { host: 127.0.0.1, port: 8080 }
    data_dir: .tollgate
    cache:
      ttl_seconds: 86400
      semantic: { enabled: true, embedder: minilm, model_dir: .models/all-MiniLM-L6-v2 }
    limits: { max_body_bytes: 4194304 }
    routing: { strategy: cheapest }
    observability: { timeseries_minutes: 1440, keep_prompts: true }
    providers:
      - name: openai
        kind: openai
        base_url: https://api.openai.com/v1
        api_key_env: OPENAI_API_KEY
        models:
          - { name: gpt-4o-mini, input_usd_per_mtok: 0.15, output_usd_per_mtok: 0.60, context_window: 128000, capabilities: [stream, tools, json, vision] }
          - { name: gpt-4o, input_usd_per_mtok: 2.50, output_usd_per_mtok: 10.00, context_window: 128000, capabilities: [stream, tools, json, vision] }
      - name: anthropic
        kind: anthropic
        base_url: https://api.anthropic.com/v1
        api_key_env: ANTHROPIC_API_KEY
        models:
          - { name: claude-3-5-haiku-latest, input_usd_per_mtok: 0.80, output_usd_per_mtok: 4.00, context_window: 200000, capabilities: [stream, tools, vision] }
    """

    /// The fixtures folder the default runs offline against.
    public static let fixturesDirectory = "fixtures"

    /// The parsed default.
    public static func config() -> GatewayConfig {
        // The embedded text is ours and tested; a failure here is a programming error.
        try! ConfigLoader.parse(yaml, file: "embedded default")
    }
}
