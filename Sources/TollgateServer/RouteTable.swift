import HTTPTypes
import Hummingbird
import TollgateBase
import TollgateDialects

/// The gateway's routes and the methods each one takes, recorded as the router is built, so that
/// a wrong method on a known path is told apart from an unknown path (RFC 9110 §15.5.6: 405 with
/// `Allow`, as nginx and Envoy answer; an unknown path stays a 404).
struct RouteTable: Sendable {
    private struct Route: Sendable {
        let segments: [Substring]
        var methods: [HTTPRequest.Method]
    }
    private var routes: [Route] = []

    /// Records that `path` (Hummingbird syntax: `{name}` matches one segment) takes `method`.
    mutating func add(_ method: HTTPRequest.Method, _ path: String) {
        let segments = Self.segments(path)
        if let i = routes.firstIndex(where: { $0.segments == segments }) {
            if !routes[i].methods.contains(method) { routes[i].methods.append(method) }
        } else {
            routes.append(Route(segments: segments, methods: [method]))
        }
    }

    /// The methods a request path takes, nil when no route has that path. Empty segments are
    /// ignored, as the router ignores them (`//admin/stats` is `/admin/stats`).
    func methods(for path: String) -> [HTTPRequest.Method]? {
        let asked = Self.segments(path)
        var found: [HTTPRequest.Method] = []
        var matched = false
        for route in routes where route.segments.count == asked.count {
            let same = zip(route.segments, asked).allSatisfy { pattern, segment in
                (pattern.first == "{" && pattern.last == "}") || pattern == segment
            }
            guard same else { continue }
            matched = true
            for m in route.methods where !found.contains(m) { found.append(m) }
        }
        return matched ? found : nil
    }

    static func segments(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }
}

/// Answers a wrong method on a known path with a 405 and `Allow`, in the caller's dialect
/// (Anthropic's error shape under `/v1/messages`, OpenAI's elsewhere). Added after every route,
/// so that it runs only on requests the router found no endpoint for (Hummingbird applies a
/// middleware to the routes added after it, and to its not-found responder).
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteTable
    let anthropic: any Dialect

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard let allowed = routes.methods(for: path), !allowed.isEmpty, !allowed.contains(request.method) else {
            return try await next(request, context)
        }
        let error = GatewayError.methodNotAllowed(request.method.rawValue, path, allowed: allowed.map(\.rawValue))
        let anthropicPath = RouteTable.segments(path).starts(with: ["v1", "messages"])
        var response = anthropicPath ? anthropic.errorResponse(error) : GatewayResponse.error(error)
        response.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
        return Response(response)
    }
}
