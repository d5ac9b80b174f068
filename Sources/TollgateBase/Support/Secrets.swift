import Foundation
import Synchronization

/// Keeps provider keys out of what clients and logs see. Every configured key value is
/// registered when its client is made; `redact` replaces those values, and anything that looks
/// like a secret (`Bearer …`, `sk-…`), in text that came from an upstream.
public enum Secrets {
    static let known = Mutex<[String]>([])
    static let marker = "[redacted]"

    /// Registers the value of each environment variable named (empty and short values are
    /// ignored: a 1-character "key" would redact every occurrence of that character).
    public static func register(environmentVariables names: [String?]) {
        let env = ProcessInfo.processInfo.environment
        register(values: names.compactMap { $0.flatMap { env[$0] } })
    }

    /// Registers secret values to redact.
    public static func register(values: [String]) {
        let fresh = values.filter { $0.count >= 6 }
        guard !fresh.isEmpty else { return }
        known.withLock { list in
            for v in fresh where !list.contains(v) { list.append(v) }
            list.sort { $0.count > $1.count }  // longest first, so a key containing another goes whole
        }
    }

    /// `text` with every registered value and every secret-looking token replaced by `[redacted]`.
    public static func redact(_ text: String) -> String {
        var out = text
        for value in known.withLock({ $0 }) where out.contains(value) {
            out = out.replacingOccurrences(of: value, with: marker)
        }
        // Cheap checks first: most text has neither pattern.
        if out.range(of: "bearer", options: .caseInsensitive) != nil {
            out = out.replacing(/(?i)(bearer)\s+[^\s"'\\,;]+/) { "\($0.output.1) \(marker)" }
        }
        if out.contains("sk-") {
            out = out.replacing(/sk-[A-Za-z0-9_\-*.]{4,}/, with: "sk-" + marker)
        }
        if out.range(of: "api-key", options: .caseInsensitive) != nil {
            out = out.replacing(/(?i)(x-api-key"?\s*[:=]\s*"?)[^\s"'\\,;]+/) { "\($0.output.1)\(marker)" }
        }
        return out
    }

    /// `bytes` (UTF-8 from an upstream) redacted; unchanged bytes come back as they were.
    public static func redact(_ bytes: [UInt8]) -> [UInt8] {
        let text = String(decoding: bytes, as: UTF8.self)
        let out = redact(text)
        return out == text ? bytes : Array(out.utf8)
    }
}
