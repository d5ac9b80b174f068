/// The version `tollgate --version` prints and `tollgate_build_info` carries. The repository's
/// `VERSION` file holds the same string (for packaging and scripts); `VersionTests` fails when the
/// two differ, so a release bumps both in one commit.
public enum TollgateVersion {
    public static let string = "0.1.0"
}
