/// The image containers twindup decodes, recognised by their first bytes, never by the file name.
public enum ImageFormat: String, Sendable, CustomStringConvertible {
    case png = "PNG"
    case jpeg = "JPEG"
    /// Pixels made in memory rather than decoded from a file.
    case raw = "raw"

    /// Recognises PNG by `89 50 4E 47` and JPEG by its start-of-image marker `FF D8 FF`. PNG needs only the
    /// first four of its eight signature bytes here so that a damaged signature reaches libpng, whose error
    /// names the damage (for instance a file mangled by a text-mode transfer).
    public init?(magicBytes bytes: some Collection<UInt8>) {
        let head = Array(bytes.prefix(4))
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47]) {
            self = .png
        } else if head.starts(with: [0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else {
            return nil
        }
    }

    public var description: String { rawValue }
}
