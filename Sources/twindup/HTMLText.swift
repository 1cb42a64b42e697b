import DuplicateIndex

/// Text made safe for HTML element content and double-quoted attribute values.
enum HTMLText {
    /// `text` with `&`, `<`, `>`, `"`, `'` and line breaks replaced by character references.
    static func escaped(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            // Line breaks as references, so that an attribute or a line of the page stays one line; other control
            // characters have no place in HTML text at all.
            case "\n": output += "&#10;"
            case "\r": output += "&#13;"
            case "\t": output += "&#9;"
            case _ where character.properties.generalCategory == .control: output += "\u{FFFD}"
            default: output.unicodeScalars.append(character)
            }
        }
        return output
    }

    /// A file path as HTML for people: UTF-8 shown as text, escaped; each byte that is not valid UTF-8 and each
    /// control character (a newline in a name, say) shown visibly as `\xNN` in a marked span, so that two names
    /// that differ only there still look different and nothing in a name can break the page.
    static func path(_ path: RawPath) -> String {
        var output = ""
        // At most one of these holds anything at a time: a run of text, or a run of bytes to show as `\xNN`.
        var plain = ""
        var marked: [UInt8] = []
        func flushPlain() {
            output += escaped(plain)
            plain = ""
        }
        func flushMarked() {
            guard !marked.isEmpty else { return }
            let hex = marked.map { "\\x" + String($0, radix: 16, uppercase: true).leftPadded(to: 2) }.joined()
            output += "<span class=\"byte\" title=\"bytes that are not printable text\">\(hex)</span>"
            marked = []
        }
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = path.bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                let scalar = Unicode.UTF8.decode(encoded)
                if scalar.properties.generalCategory == .control {
                    flushPlain()
                    marked += path.bytes[offset..<(offset + encoded.count)]
                } else {
                    flushMarked()
                    plain.unicodeScalars.append(scalar)
                }
                offset += encoded.count
            case .error(let length):
                flushPlain()
                marked += path.bytes[offset..<(offset + length)]
                offset += length
            case .emptyInput:
                flushPlain()
                flushMarked()
                return output
            }
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
