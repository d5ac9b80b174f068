import Foundation
import NIOCore
import TollgateBase
import TollgateExactCache

/// OpenAI's Responses API (`POST /v1/responses`) as an ingress dialect: `input` (a string or
/// items), `instructions`, function tools, `text.format`, `max_output_tokens`, typed stream
/// events, and `store` / `previous_response_id` — responses are kept per tenant in LMDB, so a
/// conversation continues across calls (and `GET /v1/responses/{id}` reads one back).
public struct ResponsesDialect: Dialect {
    public let endpoint = "/v1/responses"
    /// Every answer gets a new response id (and may be stored): always parse.
    public var answersFromAlias: Bool { false }
    let store: ResponseStore
    let maxMessages: Int

    public init(store: ResponseStore, maxMessages: Int = .max) {
        self.store = store
        self.maxMessages = maxMessages
    }

    public func parse(_ body: ByteBuffer, tenant: String) throws(GatewayError) -> ChatRequest {
        let json: JSONValue
        do {
            json = try JSONValue.parse(body.readableBytesView)
        } catch {
            throw .invalidRequest("We could not parse the JSON body of your request (\(error)). The body must be a JSON object.", code: "invalid_json")
        }
        var history: [JSONValue] = []
        if let previous = json["previous_response_id"], !previous.isNull {
            guard let id = previous.stringValue, let stored = store.conversation(tenant: tenant, id: id) else {
                throw .invalidRequest("Previous response with id '\(previous.stringValue ?? previous.jsonString)' not found.", param: "previous_response_id", code: "previous_response_not_found")
            }
            history = stored
        }
        let (chat, instructions) = try ResponsesTranslation.chatBody(json, history: history)
        var request = try ChatRequest(json: chat, maxMessages: maxMessages)
        request.origin = .responses(json, instructions: instructions)
        return request
    }

    public func render(_ completion: JSONValue, bytes: ByteBuffer, request: ChatRequest?, tenant: String) async -> ByteBuffer {
        var ids = ResponsesTranslation.ItemIDs()
        let output = ResponsesTranslation.outputItems(completion, ids: &ids)
        let response = await finished(completion, output: output, request: request, tenant: tenant)
        return ByteBuffer(bytes: response.jsonBytes)
    }

    /// The final response object; stored with its conversation unless the request said `store: false`.
    func finished(_ completion: JSONValue, output: [JSONValue], request: ChatRequest?, tenant: String, id: String = ResponseStore.newID("resp_")) async -> JSONValue {
        guard case .responses(let body, let instructions)? = request?.origin, let request else { return .null }
        let response = ResponsesTranslation.response(id: id, body: body, model: completion["model"] ?? .string(request.model),
                                                     status: ResponsesTranslation.status(completion), output: output, usage: ResponsesTranslation.usage(completion))
        if body["store"]?.boolValue != false {
            let answer = completion["choices"]?.arrayValue?.first?["message"]?.removing(["refusal"]) ?? ["role": "assistant", "content": ""]
            await store.save(tenant: tenant, id: id, response: response, conversation: Array(request.messages.dropFirst(instructions)) + [answer])
        }
        return response
    }

    public func streamEncoder(request: ChatRequest?, includeUsage: Bool, tenant: String) -> any StreamEncoder {
        ResponsesStreamEncoder(dialect: self, request: request, tenant: tenant)
    }

    public func errorBody(_ error: GatewayError) -> [UInt8] { error.body }

    /// `GET /v1/responses/{id}`: a stored response of the caller's tenant, or a 404.
    public func retrieve(id: String, tenant: String) throws(GatewayError) -> JSONValue {
        guard let response = store.response(tenant: tenant, id: id) else {
            throw GatewayError(status: .notFound, message: "Response with id '\(id)' not found.", type: "invalid_request_error", param: "response_id", code: "not_found")
        }
        return response
    }
}
