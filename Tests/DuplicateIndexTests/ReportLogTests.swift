import Foundation
import Testing

@testable import DuplicateIndex

struct ReportLogTests {
    @Test func everyLineIsJSONWhateverTheFileName() throws {
        try IndexFixtures.withScratch { folder in
            let logURL = folder.appendingPathComponent("report.jsonl")
            let log = try ReportLog(path: logURL.path)
            let names = [
                "/srv/a \"quoted\" \\ back.jpg", "/srv/line\nbreak\ttab.jpg", "/srv/ctrl\u{1}\u{7f}.png",
                "/srv/ünï😀.jpg",
            ]
            for name in names {
                try log.append(
                    ReportEvent(
                        kind: .nearDuplicate, path: RawPath(name), match: RawPath("/srv/b.jpg"), probability: 0.993,
                        threshold: 0.9, model: "twindup-1.0+abc"))
            }
            let lines = try IndexFixtures.reportLines(logURL)
            #expect(lines.count == names.count, "a file name with a newline would have split a report line")
            #expect(lines.map { $0["path"] as? String } == names)
            #expect(lines.allSatisfy { ($0["probability"] as? Double) == 0.993 && ($0["threshold"] as? Double) == 0.9 })
        }
    }

    @Test func namesThatAreNotUTF8AreShownReadablyAndKeptExactlyInBase64() throws {
        // 0xFF is never UTF-8; C3 28 is a lead byte without its continuation; ED A0 80 would be a surrogate.
        let bytes: [UInt8] = Array("/srv/x".utf8) + [0xFF, 0xC3, 0x28, 0xED, 0xA0, 0x80] + Array("é.jpg".utf8)
        #expect(JSONText.quoted(bytes: bytes) == "\"/srv/x\u{FFFD}\u{FFFD}(\u{FFFD}\u{FFFD}\u{FFFD}é.jpg\"")
        #expect(JSONText.quoted(bytes: Array("\u{10FFFF}".utf8)) == "\"\u{10FFFF}\"")
        let line = ReportEvent(kind: .exactDuplicate, path: RawPath(bytes: bytes), match: RawPath("/srv/ok.jpg"))
            .jsonLine
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let exact = try #require(Data(base64Encoded: object["path_bytes"] as? String ?? ""))
        #expect([UInt8](exact) == bytes, "the exact name could not be recovered from the report line")
        #expect(object["match_bytes"] == nil, "a UTF-8 name needs no bytes field")
    }

    @Test func timestampsAreUTCWithMilliseconds() {
        let date = Date(timeIntervalSince1970: 1_795_428_902.1239)
        #expect(ReportEvent.timestamp(date) == "2026-11-23T10:15:02.123Z")
        let line = ReportEvent(kind: .decodeError, time: date, path: RawPath("/a.jpg"), model: "m", error: "truncated")
            .jsonLine
        #expect(
            line
                == "{\"ts\":\"2026-11-23T10:15:02.123Z\",\"event\":\"decode_error\",\"path\":\"/a.jpg\",\"model\":\"m\",\"error\":\"truncated\"}"
        )
    }

    @Test func twoWritersAppendWholeLines() throws {
        try IndexFixtures.withScratch { folder in
            let path = folder.appendingPathComponent("report.jsonl").path
            let first = try ReportLog(path: path)
            let second = try ReportLog(path: path)
            DispatchQueue.concurrentPerform(iterations: 2) { writer in
                let log = writer == 0 ? first : second
                for number in 0..<500 {
                    try? log.append(
                        ReportEvent(
                            kind: .decodeError, path: RawPath("/w\(writer)/\(number).jpg"),
                            error: String(repeating: "x", count: 300)))
                }
            }
            let lines = try IndexFixtures.reportLines(URL(fileURLWithPath: path))
            #expect(lines.count == 1000, "lines from two writers would have been interleaved or lost")
        }
    }

    @Test func reopenFollowsRotation() throws {
        try IndexFixtures.withScratch { folder in
            let path = folder.appendingPathComponent("report.jsonl").path
            let log = try ReportLog(path: path)
            try log.append(ReportEvent(kind: .started))
            try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
            try log.reopen()
            try log.append(ReportEvent(kind: .stopped))
            #expect(
                try IndexFixtures.reportLines(URL(fileURLWithPath: path)).map { $0["event"] as? String } == ["stopped"])
        }
    }
}
