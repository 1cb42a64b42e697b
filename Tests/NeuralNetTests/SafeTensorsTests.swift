import Foundation
import Testing

@testable import NeuralNet

@Suite struct SafeTensorsTests {
    static func smallNetwork() -> TwinNetwork {
        TwinNetwork(
            architecture: .init(inputSide: 16, stemChannels: 4, blocks: [.init(8, stride: 2)], embeddingWidth: 6),
            seed: 41)
    }

    @Test func roundTripPreservesEveryTensorAndTheMetadata() throws {
        let network = Self.smallNetwork()
        let metadata = ["architecture": "test \"quoted\" \\ name", "input_size": "16"]
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("roundtrip-\(getpid()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try network.weights(metadata: metadata).write(to: url)
        let loaded = try SafeTensors.read(from: url)
        #expect(loaded.metadata == metadata)
        #expect(loaded == network.weights(metadata: metadata), "a weights file read back differs from what was written")

        let copy = TwinNetwork(architecture: network.architecture, seed: 42)
        try copy.load(loaded)
        for (original, restored) in zip(network.namedParameters, copy.namedParameters) {
            #expect(original.parameter.value == restored.parameter.value, "\(original.name) changed on reload")
        }
    }

    @Test func headerIsAlignedAndFollowsTheFormat() throws {
        let bytes = try SafeTensors(tensors: ["x": Tensor(shape: [2], scalars: [1, -2])], metadata: ["k": "v"])
            .encoded()
        let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
        #expect(headerLength % 8 == 0)
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        #expect(
            header.contains("\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}"), "header was \(header)")
        #expect(
            Array(bytes[(8 + headerLength)...]) == [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0], "data is not little-endian F32")
    }

    static func file(header: String, data: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + Array(header.utf8) + data
    }

    static let corruptFiles: [(String, [UInt8])] = [
        ("truncated before the header length", [1, 0, 0]),
        ("header length past the end", file(header: "{}", data: []).prefix(9).map { $0 }),
        ("header length absurd", [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0] + Array(repeating: 0, count: 16)),
        ("header not JSON", file(header: "{\"x\": [", data: [])),
        ("header not an object", file(header: "[1, 2]", data: [])),
        (
            "offsets out of range",
            file(header: #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [0, 0, 0, 0])
        ),
        (
            "offsets reversed",
            file(header: #"{"x":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}"#, data: [0, 0, 0, 0])
        ),
        (
            "size disagrees with shape",
            file(
                header: #"{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: Array(repeating: 0, count: 8))
        ),
        (
            "overlapping tensors",
            file(
                header:
                    #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                data: Array(repeating: 0, count: 8))
        ),
        (
            "gap between tensors",
            file(
                header: #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: Array(repeating: 0, count: 8))
        ),
        (
            "unsupported dtype",
            file(
                header: #"{"x":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#, data: Array(repeating: 0, count: 4))
        ),
        ("metadata not strings", file(header: #"{"__metadata__":{"n":1}}"#, data: [])),
        (
            "huge shape",
            file(
                header: #"{"x":{"dtype":"F32","shape":[4294967295,4294967295,8],"data_offsets":[0,4]}}"#,
                data: Array(repeating: 0, count: 4))
        ),
    ]

    @Test(arguments: corruptFiles)
    func corruptFilesAreRefusedWithAReason(problem: String, bytes: [UInt8]) {
        #expect(throws: NeuralNetError.self, "a file with \(problem) was accepted") {
            _ = try SafeTensors(decoding: bytes)
        }
    }

    @Test func truncatingARealFileIsDetected() throws {
        let bytes = Self.smallNetwork().weights().encoded()
        let error = #expect(throws: NeuralNetError.self) { _ = try SafeTensors(decoding: Array(bytes.dropLast(4))) }
        #expect(error?.description.contains("not a valid safetensors file") == true)
    }

    @Test func loadingIntoAnotherArchitectureNamesTheTensor() throws {
        let small = Self.smallNetwork()
        var weights = small.weights()
        let wider = TwinNetwork(
            architecture: .init(inputSide: 16, stemChannels: 4, blocks: [.init(12, stride: 2)], embeddingWidth: 6),
            seed: 1)
        #expect(
            throws: NeuralNetError.tensorShapeMismatch(
                name: "block1.pointwise.weight", expected: [12, 4, 1, 1], actual: [8, 4, 1, 1])
        ) {
            try wider.load(weights)
        }
        weights.tensors["stem.bn.running_mean"] = nil
        #expect(throws: NeuralNetError.missingTensor(name: "stem.bn.running_mean")) { try small.load(weights) }
        weights = small.weights()
        weights.tensors["extra.weight"] = Tensor(zeros: [1])
        #expect(throws: NeuralNetError.unexpectedTensor(name: "extra.weight")) { try small.load(weights) }
    }
}
