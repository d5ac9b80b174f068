import Foundation
import NIOSSL
import PostgresNIO
import TollgateBase
import TollgateExactCache
import TollgateSemantic

/// A libpq-style `postgres://user:password@host:port/db?sslmode=…` URL, parsed once. Its
/// `description` never shows the password, so it is safe to log.
public struct PostgresURL: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    package var password: String?
    public var database: String
    /// `disable`, `prefer` (the default, as libpq) or `require`.
    public var sslMode: String

    /// Parses the URL; the error says what is wrong without echoing the password.
    public init(_ text: String) throws(SharedTierError) {
        guard let c = URLComponents(string: text), let scheme = c.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw .config("TOLLGATE_PG_URL must look like postgres://user:password@host:port/db")
        }
        guard let host = c.host, !host.isEmpty else { throw .config("the PostgreSQL URL has no host") }
        guard let user = c.user, !user.isEmpty else { throw .config("the PostgreSQL URL has no user name") }
        self.host = host
        self.port = c.port ?? 5432
        self.user = user.removingPercentEncoding ?? user
        self.password = c.password.map { $0.removingPercentEncoding ?? $0 }
        let db = String(c.path.drop(while: { $0 == "/" }))
        self.database = db.isEmpty ? self.user : db
        let mode = c.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer"
        guard ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"].contains(mode) else {
            throw .config("unknown sslmode `\(mode)` in the PostgreSQL URL (disable, prefer or require)")
        }
        self.sslMode = mode
    }

    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    /// The client configuration postgres-nio takes.
    func clientConfiguration() throws -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case "disable": tls = .disable
        case "require", "verify-ca", "verify-full":
            var t = TLSConfiguration.makeClientConfiguration()
            if sslMode == "require" { t.certificateVerification = .none }  // libpq's `require` does not verify
            tls = .require(t)
        default:
            var t = TLSConfiguration.makeClientConfiguration()
            t.certificateVerification = .none
            tls = .prefer(t)
        }
        var config = PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
        config.options.connectTimeout = .seconds(3)
        config.options.maximumConnections = 8
        config.options.keepAliveBehavior = .init(frequency: .seconds(15))
        return config
    }
}

/// What goes wrong in the shared tier. None of it ever reaches a client: the gateway logs it,
/// counts it and serves from LMDB and upstream.
public enum SharedTierError: Error, CustomStringConvertible, Sendable {
    case config(String)
    case timeout(String)
    case unavailable

    public var description: String {
        switch self {
        case .config(let m): return m
        case .timeout(let what): return "PostgreSQL did not answer in time (\(what))"
        case .unavailable: return "PostgreSQL is unavailable"
        }
    }
}
