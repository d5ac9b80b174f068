// bare-route --port P --body-bytes N
//
// The framework's floor for benchmarks/http: one Hummingbird 2 route,
// POST /v1/chat/completions, that collects the request body (as a real
// handler would) and answers a fixed JSON body of exactly N bytes with
// content-type application/json. Listens on 127.0.0.1; --port 0 picks a
// free port. Prints "bare-route listening on http://127.0.0.1:PORT" once
// the socket is bound.

import Foundation
import Hummingbird

func usage(_ message: String) -> Never {
    FileHandle.standardError.write(Data("bare-route: \(message)\nusage: bare-route --port P --body-bytes N\n".utf8))
    exit(2)
}

func parseArguments() -> (port: Int, bodyBytes: Int) {
    var port = 8080
    var bodyBytes = 256
    var args = CommandLine.arguments.dropFirst()
    while let arg = args.popFirst() {
        switch arg {
        case "--port":
            guard let v = args.popFirst(), let n = Int(v), (0...65535).contains(n) else { usage("--port needs 0...65535") }
            port = n
        case "--body-bytes":
            guard let v = args.popFirst(), let n = Int(v), n >= 0 else { usage("--body-bytes needs a number >= 0") }
            bodyBytes = n
        case "-h", "--help":
            usage("help")
        default:
            usage("unknown argument \(arg)")
        }
    }
    return (port, bodyBytes)
}

let (port, bodyBytes) = parseArguments()

/// A JSON object of exactly `n` bytes: {"id":"bare","pad":"xxxx…"}.
/// Below the size of the smallest such object it falls back to padding "{}"
/// with spaces (still valid JSON).
func fixedBody(_ n: Int) -> String {
    let head = #"{"id":"bare","pad":""#
    let tail = #""}"#
    if n >= head.utf8.count + tail.utf8.count {
        return head + String(repeating: "x", count: n - head.utf8.count - tail.utf8.count) + tail
    }
    if n >= 2 { return "{" + String(repeating: " ", count: n - 2) + "}" }
    return String(repeating: " ", count: n)
}

let body = ByteBuffer(string: fixedBody(bodyBytes))
precondition(body.readableBytes == bodyBytes)

let router = Router()
router.post("v1/chat/completions") { request, _ -> Response in
    // Read the whole request body, as the gateway must before it can hash it.
    _ = try await request.body.collect(upTo: 4 * 1024 * 1024)
    return Response(
        status: .ok,
        headers: [.contentType: "application/json"],
        body: .init(byteBuffer: body)
    )
}

let app = Application(
    router: router,
    configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil),
    onServerRunning: { channel in
        let bound = channel.localAddress?.port ?? 0
        FileHandle.standardOutput.write(Data("bare-route listening on http://127.0.0.1:\(bound)\n".utf8))
    }
)
try await app.runService()
