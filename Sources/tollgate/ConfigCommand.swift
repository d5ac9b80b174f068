import ArgumentParser
import Foundation
import TollgateCore

/// `tollgate config check|print`: validate a configuration, or show the one the gateway would run.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check a configuration file, or print the effective configuration.",
        subcommands: [Check.self, Print.self])

    /// `tollgate config check FILE…`: every error of each file, one a line; exit 0 if all are
    /// valid, 1 if any is not.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate configuration files: every error with its line (not only the first); exit status 0 valid, 1 invalid.")

        @Argument(help: "YAML configuration files.") var files: [String]

        func validate() throws {
            if files.isEmpty { throw ValidationError("name at least one configuration file") }
        }

        func run() throws {
            var invalid = false
            for file in files {
                let (config, errors) = ConfigLoader.check(path: file)
                if errors.isEmpty {
                    let models = config.providers.reduce(0) { $0 + $1.models.count }
                    say("\(file): ok (\(config.providers.count) providers, \(models) models, \(config.keys.count) keys)")
                    for warning in ConfigCommand.warnings(config) { warn("\(file): warning: \(warning)") }
                } else {
                    invalid = true
                    for e in errors { warn("\(e)") }
                    warn("\(file): \(errors.count) error\(errors.count == 1 ? "" : "s")")
                }
            }
            if invalid { throw ExitCode(1) }
        }
    }

    /// `tollgate config print [FILE]`: the effective configuration, secrets masked.
    struct Print: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective configuration (every setting, defaults filled in; secrets masked). No FILE: the embedded default.")

        @Argument(help: "YAML configuration file (default: the embedded default that `serve` runs without --config).") var file: String?

        func run() throws {
            let config: GatewayConfig
            if let file {
                let (c, errors) = ConfigLoader.check(path: file)
                guard errors.isEmpty else {
                    for e in errors { warn("\(e)") }
                    throw ExitCode(1)
                }
                config = c
            } else {
                config = DefaultConfig.config()
            }
            FileHandle.standardOutput.write(Data(config.effectiveYAML().utf8))
        }
    }

    /// What a valid config may still get wrong at run time: unset key variables.
    static func warnings(_ config: GatewayConfig) -> [String] {
        let env = ProcessInfo.processInfo.environment
        var out: [String] = []
        for p in config.providers {
            if let v = p.missingKeyEnv(env) { out.append("provider \(p.name): api_key_env \(v) is not set in this environment") }
        }
        for k in config.keys {
            if let v = k.keyEnv, env[v]?.isEmpty ?? true { out.append("key for tenant \(k.tenant): key_env \(v) is not set in this environment") }
        }
        if let s = config.cache.shared, env[s.urlEnv]?.isEmpty ?? true { out.append("cache.shared: url_env \(s.urlEnv) is not set in this environment") }
        return out
    }
}

/// Writes a line to stderr.
func warn(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
