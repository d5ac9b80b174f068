/// The version `tollgate --version` prints and `tollgate_build_info` carries.
public enum TollgateVersion {
    public static let string = "0.1.0"
}
