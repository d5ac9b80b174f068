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
        let values = known.withLock { $0 }
        // One pass over the bytes first: nearly all text (every access-log field) has nothing to
        // redact, and the Foundation searches below cost ~100 µs over an access line's fields.
        guard mayHoldSecret(text, values) else { return text }
        var out = text
        for value in values where out.contains(value) {
            out = out.replacingOccurrences(of: value, with: marker)
        }
        // Cheap checks first: most text has neither pattern.
        if out.range(of: "bearer", options: .caseInsensitive) != nil {
            // A placeholder in the gateway's own messages (`Bearer YOUR_KEY`) is left alone.
            out = out.replacing(/(?i)(bearer)\s+([^\s"'`\\,;]+)/) { m in
                m.output.2.allSatisfy { $0 == "_" || ("A"..."Z").contains($0) } ? "\(m.output.0)" : "\(m.output.1) \(marker)"
            }
        }
        if out.contains("sk-") {
            out = out.replacing(/sk-[A-Za-z0-9_\-*.]{4,}/, with: "sk-" + marker)
        }
        if out.range(of: "api-key", options: .caseInsensitive) != nil {
            out = out.replacing(/(?i)(x-api-key"?\s*[:=]\s*"?)([^\s"'`\\,;]+)/) { m in
                m.output.2.allSatisfy { $0 == "_" || ("A"..."Z").contains($0) } ? "\(m.output.0)" : "\(m.output.1)\(marker)"
            }
        }
        return out
    }

    /// Whether `text` holds a registered value, "bearer" or "api-key" (any case) or "sk-": the
    /// only texts `redact` can change.
    static func mayHoldSecret(_ text: String, _ values: [String]) -> Bool {
        var text = text
        return text.withUTF8 { hay in
            if contains(hay, "sk-", ignoringCase: false) || contains(hay, "bearer", ignoringCase: true)
                || contains(hay, "api-key", ignoringCase: true) { return true }
            for value in values {
                var v = value
                if v.withUTF8({ contains(hay, Array($0), ignoringCase: false) }) { return true }
            }
            return false
        }
    }

    private static func contains(_ hay: UnsafeBufferPointer<UInt8>, _ needle: String, ignoringCase: Bool) -> Bool {
        contains(hay, Array(needle.utf8), ignoringCase: ignoringCase)
    }

    /// A byte search; `ignoringCase` folds ASCII letters (the needle is lower case).
    private static func contains(_ hay: UnsafeBufferPointer<UInt8>, _ needle: [UInt8], ignoringCase: Bool) -> Bool {
        guard !needle.isEmpty, hay.count >= needle.count else { return needle.isEmpty }
        let first = needle[0]
        var i = 0
        let last = hay.count - needle.count
        while i <= last {
            let c = ignoringCase && hay[i] >= 65 && hay[i] <= 90 ? hay[i] | 0x20 : hay[i]
            if c == first {
                var j = 1
                while j < needle.count {
                    let h = hay[i + j]
                    if (ignoringCase && h >= 65 && h <= 90 ? h | 0x20 : h) != needle[j] { break }
                    j += 1
                }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }

    /// `bytes` (UTF-8 from an upstream) redacted; unchanged bytes come back as they were.
    public static func redact(_ bytes: [UInt8]) -> [UInt8] {
        let text = String(decoding: bytes, as: UTF8.self)
        let out = redact(text)
        return out == text ? bytes : Array(out.utf8)
    }
}
