/// JSON string literals for any bytes.
///
/// UTF-8 is copied as is, with `"`, `\` and control characters escaped, so a file name with a newline stays on its
/// report line. Each byte that is not part of well-formed UTF-8 becomes U+FFFD, so every JSON parser accepts the
/// line (lone surrogate escapes such as Python's `surrogateescape` are refused by several); `ReportEvent` adds the
/// exact bytes in base64 beside such a name.
public enum JSONText {
    public static func quoted(_ text: String) -> String {
        quoted(bytes: Array(text.utf8))
    }

    public static func quoted(bytes: [UInt8]) -> String {
        var output: [UInt8] = [UInt8(ascii: "\"")]
        output.reserveCapacity(bytes.count + 2)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x80 {
                appendEscaped(ascii: byte, to: &output)
                index += 1
            } else if let length = wellFormedSequenceLength(bytes, at: index) {
                output.append(contentsOf: bytes[index..<(index + length)])
                index += length
            } else {
                output.append(contentsOf: [0xEF, 0xBF, 0xBD])
                index += 1
            }
        }
        output.append(UInt8(ascii: "\""))
        return String(decoding: output, as: UTF8.self)
    }

    private static func appendEscaped(ascii byte: UInt8, to output: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): output += Array("\\\"".utf8)
        case UInt8(ascii: "\\"): output += Array("\\\\".utf8)
        case 0x0A: output += Array("\\n".utf8)
        case 0x0D: output += Array("\\r".utf8)
        case 0x09: output += Array("\\t".utf8)
        case 0x08: output += Array("\\b".utf8)
        case 0x0C: output += Array("\\f".utf8)
        case 0..<0x20, 0x7F: output += Array("\\u00".utf8) + hexDigits(byte)
        default: output.append(byte)
        }
    }

    private static func hexDigits(_ byte: UInt8) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        return [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]]
    }

    /// Whether the bytes are well-formed UTF-8 throughout.
    public static func isUTF8(_ bytes: [UInt8]) -> Bool {
        var index = 0
        while index < bytes.count {
            if bytes[index] < 0x80 {
                index += 1
            } else if let length = wellFormedSequenceLength(bytes, at: index) {
                index += length
            } else {
                return false
            }
        }
        return true
    }

    /// The length of the well-formed UTF-8 sequence starting at `index` (Unicode's table 3-7: no overlong forms,
    /// no surrogates, nothing above U+10FFFF), or nil.
    static func wellFormedSequenceLength(_ bytes: [UInt8], at index: Int) -> Int? {
        let lead = bytes[index]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: (length, secondRange) = (3, 0xA0...0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: (length, secondRange) = (3, 0x80...0x9F)
        case 0xF0: (length, secondRange) = (4, 0x90...0xBF)
        case 0xF1...0xF3: length = 4
        case 0xF4: (length, secondRange) = (4, 0x80...0x8F)
        default: return nil
        }
        guard index + length <= bytes.count, secondRange.contains(bytes[index + 1]) else { return nil }
        for offset in 2..<max(2, length) where !(0x80...0xBF).contains(bytes[index + offset]) { return nil }
        return length
    }
}
