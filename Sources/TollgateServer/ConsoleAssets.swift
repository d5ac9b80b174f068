import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The console (`GET /console`): a static page, its script and style, from `Sources/TollgateServer/Console`
/// (copied next to the binary as SwiftPM resources). Nothing is fetched from the network; the page
/// asks for the admin key and calls the admin routes with it.
enum ConsoleAssets {
    /// The files served, with their content types.
    static let types: [String: String] = [
        "index.html": "text/html; charset=utf-8",
        "console.js": "text/javascript; charset=utf-8",
        "plots.js": "text/javascript; charset=utf-8",
        "console.css": "text/css; charset=utf-8",
    ]

    /// Where the files are: `TOLLGATE_CONSOLE_DIR`, the resource bundle beside the binary, or the sources.
    static let directory: String? = {
        var candidates: [String] = []
        if let dir = ProcessInfo.processInfo.environment["TOLLGATE_CONSOLE_DIR"] { candidates.append(dir) }
        if let exe = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent() {
            candidates.append(exe.appendingPathComponent("tollgate_TollgateServer.resources/Console").path)
            candidates.append(exe.appendingPathComponent("tollgate_TollgateServer.resources").path)
        }
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Console").path)
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/index.html") }
    }()

    /// The files' bytes, read once.
    static let files: [String: ByteBuffer] = {
        guard let directory else { return [:] }
        var out: [String: ByteBuffer] = [:]
        for name in types.keys {
            if let data = FileManager.default.contents(atPath: directory + "/" + name) { out[name] = ByteBuffer(bytes: data) }
        }
        return out
    }()

    static func response(_ name: String) -> Response {
        guard let type = types[name], let body = files[name] else {
            let message = types[name] == nil ? "No console file `\(name.prefix(60))`." : "The console's files are not installed next to the binary (tollgate_TollgateServer.resources); set TOLLGATE_CONSOLE_DIR."
            return Response(status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
        }
        var headers: HTTPFields = [.contentType: type]
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        // Only this origin: no CDN, no inline script, no outside fetch.
        headers[HTTPField.Name("Content-Security-Policy")!] = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    /// Registers `GET /console` and `GET /console/{file}` through `on` (the server's route table,
    /// so that another method on them is a 405 with `Allow`).
    static func addRoutes(_ on: (HTTPRequest.Method, String, @escaping @Sendable (Request, BasicRequestContext) async throws -> Response) -> Void) {
        on(.get, "/console") { _, _ -> Response in response("index.html") }
        on(.get, "/console/{file}") { _, context -> Response in response(context.parameters.get("file") ?? "") }
    }
}
