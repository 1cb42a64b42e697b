import Foundation

/// The safetensors format: an 8-byte little-endian header length, a JSON header mapping each tensor name to
/// `{"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}` plus an optional `"__metadata__"` object of
/// strings, then the little-endian data. Only F32 is used. Reading is strict: offsets must lie inside the data,
/// tensors may not overlap or leave gaps, and every byte count must match its shape.
public struct SafeTensors: Sendable, Equatable {
    /// Headers beyond this are refused rather than parsed: a hostile length must not make us allocate gigabytes.
    public static let maximumHeaderLength = 100 * 1024 * 1024

    public var tensors: [String: Tensor]
    public var metadata: [String: String]

    public init(tensors: [String: Tensor], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    public func encoded() -> [UInt8] {
        let names = tensors.keys.sorted()
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(Self.jsonString($0)):\(Self.jsonString(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for name in names {
            let tensor = tensors[name]!
            let end = offset + tensor.count * 4
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append(
                "\(Self.jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        // Pad with spaces so the data starts 8-byte aligned, as the reference implementation does.
        while header.count % 8 != 0 { header.append(0x20) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes += header
        for name in names {
            for value in tensors[name]!.scalars {
                withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            }
        }
        return bytes
    }

    public init(decoding bytes: [UInt8]) throws(NeuralNetError) {
        guard bytes.count >= 8 else {
            throw .corruptSafeTensors("file is \(bytes.count) bytes, shorter than its header length")
        }
        let headerLength = bytes[0..<8].enumerated().reduce(UInt64(0)) {
            $0 | UInt64($1.element) << (8 * UInt64($1.offset))
        }
        guard headerLength <= UInt64(Self.maximumHeaderLength), headerLength >= 2 else {
            throw .corruptSafeTensors("header length \(headerLength) is not plausible")
        }
        guard Int(headerLength) <= bytes.count - 8 else {
            throw .corruptSafeTensors("header length \(headerLength) runs past the end of the \(bytes.count)-byte file")
        }
        let dataStart = 8 + Int(headerLength)
        let header: [String: Any]
        do {
            guard let object = try JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart])) as? [String: Any]
            else { throw NeuralNetError.corruptSafeTensors("header is not a JSON object") }
            header = object
        } catch let error as NeuralNetError {
            throw error
        } catch {
            throw .corruptSafeTensors("header is not valid JSON (\(error.localizedDescription))")
        }
        let dataLength = bytes.count - dataStart
        var metadata: [String: String] = [:]
        var spans: [(range: Range<Int>, name: String, shape: [Int])] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let dictionary = value as? [String: Any] else {
                    throw .corruptSafeTensors("__metadata__ is not an object")
                }
                for (key, item) in dictionary {
                    guard let text = item as? String else {
                        throw .corruptSafeTensors("metadata '\(key)' is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            spans.append(try Self.span(name: name, entry: value, dataLength: dataLength))
        }
        spans.sort { ($0.range.lowerBound, $0.range.upperBound) < ($1.range.lowerBound, $1.range.upperBound) }
        var covered = 0
        for span in spans {
            guard span.range.lowerBound == covered else {
                throw .corruptSafeTensors(
                    span.range.lowerBound < covered
                        ? "tensor '\(span.name)' overlaps the tensor before it" : "gap before tensor '\(span.name)'")
            }
            covered = span.range.upperBound
        }
        guard covered == dataLength else {
            throw .corruptSafeTensors("tensors cover \(covered) of \(dataLength) data bytes")
        }
        var tensors: [String: Tensor] = [:]
        for span in spans {
            var values = [Float](repeating: 0, count: span.range.count / 4)
            for index in values.indices {
                let at = dataStart + span.range.lowerBound + index * 4
                let bits =
                    UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3])
                    << 24
                values[index] = Float(bitPattern: bits)
            }
            tensors[span.name] = try Tensor(shape: span.shape, scalars: values)
        }
        self.init(tensors: tensors, metadata: metadata)
    }

    private static func span(
        name: String, entry: Any, dataLength: Int
    ) throws(NeuralNetError)
        -> (range: Range<Int>, name: String, shape: [Int])
    {
        guard let fields = entry as? [String: Any] else {
            throw .corruptSafeTensors("entry '\(name)' is not an object")
        }
        guard let dtype = fields["dtype"] as? String else { throw .corruptSafeTensors("tensor '\(name)' has no dtype") }
        guard dtype == "F32" else {
            throw .corruptSafeTensors("tensor '\(name)' has dtype \(dtype); only F32 is supported")
        }
        guard let shape = integers(fields["shape"]), shape.allSatisfy({ $0 >= 0 && $0 < 1 << 31 }) else {
            throw .corruptSafeTensors("tensor '\(name)' has no valid shape")
        }
        guard let offsets = integers(fields["data_offsets"]), offsets.count == 2 else {
            throw .corruptSafeTensors("tensor '\(name)' has no valid data_offsets")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin >= 0, begin <= end, end <= dataLength else {
            throw .corruptSafeTensors(
                "tensor '\(name)' data_offsets [\(begin), \(end)] fall outside the \(dataLength) data bytes")
        }
        var bytes = 4
        for dimension in shape {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= dataLength || dimension == 0 else {
                throw .corruptSafeTensors("tensor '\(name)' of shape \(shape) is larger than the file")
            }
            bytes = product
        }
        guard bytes == end - begin else {
            throw .corruptSafeTensors("tensor '\(name)' of shape \(shape) needs \(bytes) bytes, has \(end - begin)")
        }
        return (begin..<end, name, shape)
    }

    private static func integers(_ value: Any?) -> [Int]? {
        guard let numbers = value as? [NSNumber] else { return nil }
        var result: [Int] = []
        for number in numbers {
            let double = number.doubleValue
            guard double == double.rounded(), abs(double) < 1e15 else { return nil }
            result.append(Int(double))
        }
        return result
    }

    private static func jsonString(_ text: String) -> String {
        var escaped = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case _ where scalar.value < 0x20: escaped += String(format: "\\u%04x", scalar.value)
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped + "\""
    }

    public static func read(from url: URL) throws -> SafeTensors {
        try SafeTensors(decoding: [UInt8](try Data(contentsOf: url)))
    }

    public func write(to url: URL) throws {
        try Data(encoded()).write(to: url, options: .atomic)
    }

    /// Copies tensors into parameters by name. Refuses, naming the tensor, anything missing, extra or misshapen.
    public func assign(to parameters: [(name: String, parameter: Parameter)]) throws(NeuralNetError) {
        let wanted = Set(parameters.map(\.name))
        if let extra = tensors.keys.sorted().first(where: { !wanted.contains($0) }) {
            throw .unexpectedTensor(name: extra)
        }
        for (name, parameter) in parameters {
            guard let tensor = tensors[name] else { throw .missingTensor(name: name) }
            guard tensor.shape == parameter.value.shape else {
                throw .tensorShapeMismatch(name: name, expected: parameter.value.shape, actual: tensor.shape)
            }
        }
        for (name, parameter) in parameters { parameter.value = tensors[name]! }
    }
}
