import Foundation

/// A configuration file could not be used; names the file and the line.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible, Equatable {
    public var path: String
    /// 1-based; 0 when the file as a whole is the problem.
    public var line: Int
    public var message: String

    public var description: String {
        line > 0 ? "\(path):\(line): \(message)" : "\(path): \(message)"
    }
}

/// One value of the configuration file.
public enum ConfigurationValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    case array([ConfigurationValue])

    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var integer: Int? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// Integers and floats alike.
    var number: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .float(let value): value
        default: nil
        }
    }

    var strings: [String]? {
        guard case .array(let values) = self else { return nil }
        let strings = values.compactMap(\.string)
        return strings.count == values.count ? strings : nil
    }
}

/// The part of TOML twindup's configuration uses: top-level `key = value` lines with comments, basic and literal
/// strings, integers, floats, booleans and arrays (which may span lines). Anything else is refused with the line it
/// is on, never guessed at.
public enum ConfigurationFile {
    public struct Table: Sendable {
        /// Keys in file order, each with its value and line.
        public var entries: [(key: String, entry: Entry)] = []

        public subscript(key: String) -> ConfigurationValue? { entries.first { $0.key == key }?.entry.value }
    }

    public struct Entry: Sendable {
        public var value: ConfigurationValue
        public var line: Int
    }

    public static func parse(contentsOf path: String) throws(ConfigurationError) -> Table {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
            throw ConfigurationError(path: path, line: 0, message: "cannot read: \(reason)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(path: path, line: 0, message: "not UTF-8 text")
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws(ConfigurationError) -> Table {
        var scanner = Scanner(characters: Array(text.unicodeScalars), path: path)
        var table = Table()
        while true {
            scanner.skipBlankLinesAndComments()
            guard let character = scanner.peek else { return table }
            let line = scanner.line
            if character == "[" {
                throw scanner.error("tables ([section]) are not used: write every key at the top level")
            }
            let key = try scanner.key()
            scanner.skipSpaces()
            guard scanner.take("=") else { throw scanner.error("expected = after \(key)") }
            scanner.skipSpaces()
            let value = try scanner.value()
            scanner.skipSpaces()
            scanner.skipComment()
            guard scanner.atLineEnd else { throw scanner.error("unexpected text after the value of \(key)") }
            if table.entries.contains(where: { $0.key == key }) {
                throw ConfigurationError(path: path, line: line, message: "\(key) is set twice")
            }
            table.entries.append((key, Entry(value: value, line: line)))
        }
    }

    /// `text` as a TOML basic string.
    public static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    result += String(format: "\\u%04X", scalar.value)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    private struct Scanner {
        var characters: [Unicode.Scalar]
        var path: String
        var position = 0
        var line = 1

        var peek: Unicode.Scalar? { position < characters.count ? characters[position] : nil }

        var atLineEnd: Bool {
            guard let character = peek else { return true }
            if character == "\n" { return true }
            return character == "\r" && position + 1 < characters.count && characters[position + 1] == "\n"
        }

        func error(_ message: String) -> ConfigurationError {
            ConfigurationError(path: path, line: line, message: message)
        }

        mutating func advance() {
            if peek == "\n" { line += 1 }
            position += 1
        }

        mutating func take(_ character: Unicode.Scalar) -> Bool {
            guard peek == character else { return false }
            advance()
            return true
        }

        mutating func skipSpaces() {
            while peek == " " || peek == "\t" { advance() }
        }

        mutating func skipComment() {
            guard peek == "#" else { return }
            while let character = peek, character != "\n" { advance() }
        }

        mutating func skipBlankLinesAndComments() {
            while true {
                skipSpaces()
                skipComment()
                guard let character = peek, character == "\n" || character == "\r" else { return }
                advance()
            }
        }

        mutating func key() throws(ConfigurationError) -> String {
            var key = ""
            while let character = peek, Self.isBareKeyCharacter(character) {
                key.unicodeScalars.append(character)
                advance()
            }
            guard !key.isEmpty else { throw error("expected a key (letters, digits, _ and -)") }
            if peek == "." { throw error("dotted keys are not used: write every key at the top level") }
            return key
        }

        static func isBareKeyCharacter(_ character: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(character) || ("A"..."Z").contains(character) || ("0"..."9").contains(character)
                || character == "_" || character == "-"
        }

        mutating func value() throws(ConfigurationError) -> ConfigurationValue {
            guard let character = peek else { throw error("expected a value") }
            switch character {
            case "\"":
                if Array(characters[position..<min(position + 3, characters.count)]) == ["\"", "\"", "\""] {
                    throw error("multi-line strings are not used: write the value on one line")
                }
                return .string(try basicString())
            case "'": return .string(try literalString())
            case "[": return try array()
            case "t", "f": return try boolean()
            default: return try number()
            }
        }

        mutating func basicString() throws(ConfigurationError) -> String {
            advance()
            var text = ""
            while true {
                guard let character = peek, character != "\n" else { throw error("unterminated string") }
                advance()
                if character == "\"" { return text }
                guard character == "\\" else {
                    text.unicodeScalars.append(character)
                    continue
                }
                guard let escaped = peek else { throw error("unterminated string") }
                advance()
                switch escaped {
                case "\"": text += "\""
                case "\\": text += "\\"
                case "n": text += "\n"
                case "t": text += "\t"
                case "r": text += "\r"
                case "b": text += "\u{8}"
                case "f": text += "\u{C}"
                case "u", "U":
                    let count = escaped == "u" ? 4 : 8
                    var digits = ""
                    for _ in 0..<count {
                        guard let digit = peek, digit.properties.isASCIIHexDigit else {
                            throw error("\\\(escaped) needs \(count) hexadecimal digits")
                        }
                        digits.unicodeScalars.append(digit)
                        advance()
                    }
                    guard let scalar = UInt32(digits, radix: 16).flatMap(Unicode.Scalar.init) else {
                        throw error("\\\(escaped)\(digits) is not a Unicode scalar")
                    }
                    text.unicodeScalars.append(scalar)
                default: throw error("unknown escape \\\(escaped) in a string")
                }
            }
        }

        mutating func literalString() throws(ConfigurationError) -> String {
            advance()
            var text = ""
            while true {
                guard let character = peek, character != "\n" else { throw error("unterminated string") }
                advance()
                if character == "'" { return text }
                text.unicodeScalars.append(character)
            }
        }

        mutating func array() throws(ConfigurationError) -> ConfigurationValue {
            advance()
            var values: [ConfigurationValue] = []
            while true {
                skipBlankLinesAndComments()
                if take("]") { return .array(values) }
                values.append(try value())
                skipBlankLinesAndComments()
                if take("]") { return .array(values) }
                guard take(",") else { throw error("expected , or ] in a list") }
            }
        }

        mutating func boolean() throws(ConfigurationError) -> ConfigurationValue {
            let word = bareWord()
            switch word {
            case "true": return .boolean(true)
            case "false": return .boolean(false)
            default: throw error("\(word) is not a value (strings need quotes)")
            }
        }

        mutating func number() throws(ConfigurationError) -> ConfigurationValue {
            let word = bareWord()
            let digits = word.replacingOccurrences(of: "_", with: "")
            if let integer = Int(digits) { return .integer(integer) }
            if word.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let float = Double(digits),
                float.isFinite
            {
                return .float(float)
            }
            throw error(word.isEmpty ? "expected a value" : "\(word) is not a value (strings need quotes)")
        }

        mutating func bareWord() -> String {
            var word = ""
            while let character = peek, !" \t\r\n,]#".unicodeScalars.contains(character) {
                word.unicodeScalars.append(character)
                advance()
            }
            return word
        }
    }
}
