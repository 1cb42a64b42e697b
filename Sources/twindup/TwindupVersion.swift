/// The release of twindup: `twindup --version`, the Debian package's version and the manual's header.
enum TwindupVersion {
    static let release = "0.9.0"
}
