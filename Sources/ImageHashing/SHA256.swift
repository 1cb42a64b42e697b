import CCrypto

/// SHA-256 (FIPS 180-4) of a byte string: the content hash that identifies exact duplicates.
///
/// twindup hashes whole files with it, so it must resist crafted collisions; a fast non-cryptographic
/// hash would let one file hide behind another. libcrypto computes it: it uses the processor's SHA
/// instructions where there are some, several times faster than portable code, and a scan hashes every byte
/// of every file.
public enum SHA256 {
    /// Hashes `bytes` in one call.
    public static func digest<Bytes: Sequence>(of bytes: Bytes) -> Digest where Bytes.Element == UInt8 {
        let contiguous = bytes as? [UInt8] ?? Array(bytes)
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let succeeded = contiguous.withUnsafeBytes { input in
            output.withUnsafeMutableBufferPointer { target in
                EVP_Digest(input.baseAddress, input.count, target.baseAddress, &length, EVP_sha256(), nil)
            }
        }
        // EVP_Digest fails only when libcrypto cannot allocate its context or lacks SHA-256: out of memory, where
        // Swift's own allocations stop the process too. An unhashed file must never pass as a copy of another.
        precondition(succeeded == 1 && length == 32, "libcrypto could not compute SHA-256")
        return Digest(bytes: output)
    }

    public struct Digest: Hashable, Sendable, CustomStringConvertible {
        public let bytes: [UInt8]

        public init(bytes: [UInt8]) {
            precondition(bytes.count == 32, "a SHA-256 digest has 32 bytes")
            self.bytes = bytes
        }

        /// Lower-case hexadecimal, as `sha256sum` prints it.
        public var description: String {
            let digits = Array("0123456789abcdef".utf8)
            var text: [UInt8] = []
            text.reserveCapacity(64)
            for byte in bytes {
                text.append(digits[Int(byte >> 4)])
                text.append(digits[Int(byte & 0x0f)])
            }
            return String(decoding: text, as: UTF8.self)
        }
    }
}

extension SHA256 {
    /// The hexadecimal digest of a string's UTF-8 bytes.
    public static func digestHex(_ text: String) -> String {
        digest(of: Array(text.utf8)).description
    }
}
