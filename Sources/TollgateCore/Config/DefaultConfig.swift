/// The embedded default configuration that `tollgate serve` runs with no `--config`:
/// loopback, port 8080, data in `.tollgate/`, one local mock provider on port 9101
/// (`make run` starts it) until the offline fixtures mode becomes the default.
public enum DefaultConfig {
    public static let yaml = """
    listen: { host: 127.0.0.1, port: 8080 }
    data_dir: .tollgate
    cache:
      ttl_seconds: 86400
    limits: { max_body_bytes: 4194304 }
    routing: { strategy: cheapest }
    providers:
      - name: local-mock
        kind: openai
        base_url: http://127.0.0.1:9101/v1
        models:
          - name: gpt-4o-mini
            input_usd_per_mtok: 0.15
            output_usd_per_mtok: 0.60
            context_window: 128000
            capabilities: [stream, tools, json, vision]
          - name: gpt-4o
            input_usd_per_mtok: 2.50
            output_usd_per_mtok: 10.00
            context_window: 128000
            capabilities: [stream, tools, json, vision]
    """

    /// The parsed default.
    public static func config() -> GatewayConfig {
        // The embedded text is ours and tested; a failure here is a programming error.
        try! ConfigLoader.parse(yaml, file: "embedded default")
    }
}
