import Foundation
import NIOCore
import TollgateBase
import TollgateExactCache

/// Stored OpenAI Responses, per tenant, in the cache's LMDB environment: the response object
/// (for `GET /v1/responses/{id}`) and the conversation it ended (chat-form messages, for a later
/// request's `previous_response_id`).
public struct ResponseStore: Sendable {
    let store: any CacheStore

    public init(store: any CacheStore) {
        self.store = store
    }

    static func key(tenant: String, id: String) -> CacheKey {
        CacheKey.hash("tollgate.response.v1", "", tenant, Array(id.utf8))
    }

    /// Saves a response and the conversation that led to it, including its answer.
    public func save(tenant: String, id: String, response: JSONValue, conversation: [JSONValue]) async {
        let record: JSONValue = ["response": response, "conversation": .array(conversation)]
        try? await store.write([.put(.responses, ResponseStore.key(tenant: tenant, id: id), record.jsonBytes)])
    }

    /// The stored response `id` of `tenant`, or nil (another tenant's id is not found either).
    public func response(tenant: String, id: String) -> JSONValue? {
        record(tenant: tenant, id: id)?["response"]
    }

    /// The conversation that ended with response `id`.
    public func conversation(tenant: String, id: String) -> [JSONValue]? {
        record(tenant: tenant, id: id)?["conversation"]?.arrayValue
    }

    func record(tenant: String, id: String) -> JSONValue? {
        guard let bytes = try? store.get(.responses, ResponseStore.key(tenant: tenant, id: id)) else { return nil }
        return try? JSONValue.parse(bytes.readableBytesView)
    }

    /// A new id with the API's prefix (`resp_`, `msg_`, `fc_`) and 24 random bytes in hex.
    static func newID(_ prefix: String) -> String {
        prefix + Hex.encode((0..<24).map { _ in UInt8.random(in: 0...255) })
    }
}
