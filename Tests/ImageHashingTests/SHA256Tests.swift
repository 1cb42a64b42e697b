import Foundation
import ImageHashing
import Testing

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
    ])
    func matchesPublishedTestVectors(message: String, expected: String) {
        #expect(SHA256.digest(of: Array(message.utf8)).description == expected)
    }

    @Test func matchesPublishedVectorForOneMillionBytes() {
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(
            SHA256.digest(of: message).description == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        )
    }

    /// Lengths around the 64-byte block and the 56-byte padding boundary, where a hash's padding goes wrong.
    @Test func agreesWithSha256sumAroundBlockBoundaries() throws {
        for length in [1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 4097] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
            let input = Pipe()
            let output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            input.fileHandleForWriting.write(Data(bytes))
            try input.fileHandleForWriting.close()
            let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(SHA256.digest(of: bytes).description == String(printed.prefix(64)), "\(length) bytes")
        }
    }

    @Test func agreesWithSha256sumOnRealFiles() throws {
        for name in ["jpeg/testorig.jpg", "jpeg/testimgint.jpg", "png/pngsuite-full/basn2c16.png"] {
            let url = NetpbmFixture.testdata.appendingPathComponent(name)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
            process.arguments = [url.path]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            let expected = String(output.prefix(64))
            let actual = SHA256.digest(of: [UInt8](try Data(contentsOf: url))).description
            #expect(actual == expected, "content hash of \(name) differs from sha256sum")
        }
    }
}
