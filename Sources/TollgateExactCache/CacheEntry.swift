import NIOCore
import TollgateBase

/// A stored answer: the complete upstream response body (OpenAI chat.completion JSON) and what
/// the gateway needs to report on a hit.
public struct CacheEntry: Sendable {
    /// When the answer was stored, in milliseconds since 1970.
    public var createdMs: Int64
    /// What the original upstream call cost, in USD.
    public var costUSD: Double
    public var promptTokens: Int
    public var completionTokens: Int
    /// The provider that answered originally.
    public var provider: String
    /// The upstream model that answered.
    public var model: String
    /// The tenant whose request this answered.
    public var tenant: String
    /// The canonical request (for export to fixtures); empty when unknown.
    public var request: [UInt8]
    /// The answer as OpenAI's `chat.completion` JSON.
    public var body: ByteBuffer

    public init(createdMs: Int64, costUSD: Double, promptTokens: Int, completionTokens: Int, provider: String, model: String,
                tenant: String = "", request: [UInt8] = [], body: ByteBuffer) {
        self.createdMs = createdMs
        self.costUSD = costUSD
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.provider = provider
        self.model = model
        self.tenant = tenant
        self.request = request
        self.body = body
    }

    static let magic: UInt32 = 0x5447_4532  // "TGE2"

    /// Binary layout: magic, created, cost bits, token counts, provider, model, tenant
    /// (length-prefixed), the canonical request (length-prefixed), then the body to the end.
    /// Fixed-width fields so a hit is decoded without parsing JSON.
    public func encoded() -> [UInt8] {
        var b = ByteBuffer()
        b.reserveCapacity(48 + provider.utf8.count + model.utf8.count + tenant.utf8.count + request.count + body.readableBytes)
        b.writeInteger(CacheEntry.magic, endianness: .little)
        b.writeInteger(createdMs, endianness: .little)
        b.writeInteger(costUSD.bitPattern, endianness: .little)
        b.writeInteger(UInt32(clamping: promptTokens), endianness: .little)
        b.writeInteger(UInt32(clamping: completionTokens), endianness: .little)
        b.writeInteger(UInt16(clamping: provider.utf8.count), endianness: .little)
        b.writeString(provider)
        b.writeInteger(UInt16(clamping: model.utf8.count), endianness: .little)
        b.writeString(model)
        b.writeInteger(UInt16(clamping: tenant.utf8.count), endianness: .little)
        b.writeString(tenant)
        b.writeInteger(UInt32(request.count), endianness: .little)
        b.writeBytes(request)
        var body = body
        b.writeBuffer(&body)
        return Array(b.readableBytesView)
    }

    /// Decodes a stored entry; nil when the bytes are not an entry of this version.
    public init?(decoding buffer: ByteBuffer) {
        var b = buffer
        guard b.readInteger(endianness: .little, as: UInt32.self) == CacheEntry.magic,
              let created = b.readInteger(endianness: .little, as: Int64.self),
              let cost = b.readInteger(endianness: .little, as: UInt64.self),
              let pt = b.readInteger(endianness: .little, as: UInt32.self),
              let ct = b.readInteger(endianness: .little, as: UInt32.self),
              let pl = b.readInteger(endianness: .little, as: UInt16.self),
              let provider = b.readString(length: Int(pl)),
              let ml = b.readInteger(endianness: .little, as: UInt16.self),
              let model = b.readString(length: Int(ml)),
              let tl = b.readInteger(endianness: .little, as: UInt16.self),
              let tenant = b.readString(length: Int(tl)),
              let rl = b.readInteger(endianness: .little, as: UInt32.self),
              let request = b.readBytes(length: Int(rl))
        else { return nil }
        self.init(createdMs: created, costUSD: Double(bitPattern: cost), promptTokens: Int(pt), completionTokens: Int(ct),
                  provider: provider, model: model, tenant: tenant, request: request, body: b.slice())
    }
}
