import Crypto

/// A 32-byte cache key (SHA-256).
public struct CacheKey: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 32)
        self.bytes = bytes
    }

    public var description: String { Hex.encode(bytes) }

    /// The 32 bytes in one pass (the synthesized hash feeds them one `UInt8` at a time; a restart
    /// puts a million keys in the index's id map).
    public func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    /// The exact key of a request: SHA-256 over the endpoint, the tenant and the canonical body.
    ///
    /// The canonical body is the whole request with keys sorted and numbers normalised, minus
    /// `stream` and `stream_options` (a streamed answer can serve a JSON request and back).
    /// Every other field — tools, response_format, temperature, seed, n, stop, user, … — is in it.
    public static func exact(endpoint: String, tenant: String, body: JSONValue) -> CacheKey {
        exact(endpoint: endpoint, tenant: tenant, canonical: body.removing(["stream", "stream_options"]).canonicalBytes)
    }

    /// The exact key from the canonical bytes (`ChatRequest.canonicalBytes`).
    public static func exact(endpoint: String, tenant: String, canonical: [UInt8]) -> CacheKey {
        hash("tollgate.exact.v1", endpoint, tenant, canonical)
    }

    /// The key of the raw body bytes, used as an alias to the exact key so that a repeated
    /// identical body is answered without parsing JSON.
    public static func raw(endpoint: String, tenant: String, body: some Collection<UInt8>) -> CacheKey {
        hash("tollgate.raw.v1", endpoint, tenant, body)
    }

    package static func hash(_ domain: String, _ endpoint: String, _ tenant: String, _ body: some Collection<UInt8>) -> CacheKey {
        var h = SHA256()
        // Length-prefixed fields: no two different (endpoint, tenant, body) triples hash the same input.
        for field in [domain, endpoint, tenant] {
            var n = UInt32(field.utf8.count).littleEndian
            withUnsafeBytes(of: &n) { h.update(bufferPointer: $0) }
            h.update(data: Array(field.utf8))
        }
        if let contiguous = body.withContiguousStorageIfAvailable({ h.update(bufferPointer: UnsafeRawBufferPointer($0)) }) {
            _ = contiguous
        } else {
            h.update(data: Array(body))
        }
        return CacheKey(bytes: Array(h.finalize()))
    }
}
