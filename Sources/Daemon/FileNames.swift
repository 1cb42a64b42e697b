import DuplicateIndex

/// Which names the daemon acts on.
enum FileNames {
    /// Names writers use while a file is incomplete; the file is read once it is renamed to its real name.
    /// rsync writes `.<name>.<6 random characters>`; browsers and file managers use the suffixes.
    static func isTemporary(_ name: [UInt8]) -> Bool {
        let lowered = name.map { (65...90).contains($0) ? $0 + 32 : $0 }
        for suffix in [".part", ".filepart", ".tmp", ".crdownload"] where lowered.count > suffix.utf8.count {
            if lowered.suffix(suffix.utf8.count).elementsEqual(suffix.utf8) { return true }
        }
        // .<at least one character>.<exactly six letters or digits>
        guard name.count >= 9, name.first == UInt8(ascii: "."), name[name.count - 7] == UInt8(ascii: ".") else {
            return false
        }
        return name.suffix(6).allSatisfy { byte in
            (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
        }
    }

    /// Whether the daemon indexes a file with this path: a picture extension and not a temporary name.
    static func isIndexable(_ path: RawPath) -> Bool {
        path.hasPictureExtension && !isTemporary(path.lastComponent)
    }
}
