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

    @Test func matchesPublishedVectorForOneMillionBytesFedInOddChunks() {
        var hasher = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 997)
        var remaining = 1_000_000
        while remaining > 0 {
            let size = min(remaining, chunk.count)
            hasher.update(Array(chunk[0..<size]))
            remaining -= size
        }
        #expect(hasher.finalize().description == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
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
