// libFuzzer entry point: every parser that reads bytes from a client, an upstream or a file.
// Built only with TOLLGATE_FUZZ=1 (Package.swift) and `-sanitize=fuzzer`; run by scripts/fuzz.sh.
import Foundation
import NIOCore
import TollgateBase
import TollgateDialects
import TollgateExactCache
import TollgateFixtures

private let responses = ResponsesDialect(store: ResponseStore(store: MemoryStore()), maxMessages: 64)
private let messages = MessagesDialect(maxMessages: 64)
private let chat = ChatCompletionsDialect(maxMessages: 64)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // JSON, then every ingress adapter over the same bytes (each must throw a GatewayError or
    // return a request — never trap).
    if let json = try? JSONValue.parse(bytes) { _ = json.jsonBytes }
    let buffer = ByteBuffer(bytes: bytes)
    _ = try? ChatRequest(body: bytes, maxMessages: 64)
    _ = try? chat.parse(buffer, tenant: "fuzz")
    _ = try? messages.parse(buffer, tenant: "fuzz")
    _ = try? responses.parse(buffer, tenant: "fuzz")
    // An upstream's SSE stream, fed whole and in two pieces split at the first byte's value.
    var whole = SSEParser()
    _ = whole.feed(bytes)
    var split = SSEParser()
    let cut = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
    _ = split.feed(Array(bytes[..<cut]))
    _ = split.feed(Array(bytes[cut...]))
    // A fixture file's lines.
    _ = FixtureLoader.parse(String(decoding: bytes, as: UTF8.self), file: "fuzz.jsonl")
    return 0
}
