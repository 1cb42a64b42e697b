import Foundation
import GRDB
import ImageIO
import TestSupport
import Testing

@testable import DuplicateIndex

struct IndexStoreTests {
    @Test func garbageIndexFileIsReportedAndLeftUntouched() throws {
        try IndexFixtures.withScratch { folder in
            let path = folder.appendingPathComponent("index.sqlite").path
            let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
            try garbage.write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: IndexError.self) {
                try ImageIndex(path: path, detector: try IndexFixtures.detector())
            }
            #expect(error?.code == .corrupt, "opening a damaged index said: \(String(describing: error))")
            #expect(error?.description.contains(path) == true, "the error did not name the index file")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage, "the damaged index was modified")
        }
    }

    @Test func damagedPagesAreReportedAndLeftUntouched() throws {
        try IndexFixtures.withScratch { folder in
            let path = folder.appendingPathComponent("index.sqlite").path
            try IndexFixtures.copy("jpeg/testorig.jpg", to: folder.appendingPathComponent("tree/a.jpg"))
            do {
                let index = try ImageIndex(path: path, detector: try IndexFixtures.detector())
                _ = try index.scan([folder.appendingPathComponent("tree").path], options: ScanOptions(threshold: 0.9))
            }
            // Checkpoint the WAL into the main file, then overwrite every page after the first.
            let queue = try DatabaseQueue(path: path)
            try queue.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            try queue.close()
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            for offset in 4096..<bytes.count { bytes[offset] = UInt8(truncatingIfNeeded: offset &* 131) }
            try bytes.write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: IndexError.self) {
                try ImageIndex(path: path, detector: try IndexFixtures.detector())
            }
            #expect(error?.code == .corrupt, "opening a damaged index said: \(String(describing: error))")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes, "the damaged index was modified")
        }
    }

    @Test func indexOfAnotherModelAsksForReindexAndReindexAdoptsTheModel() throws {
        try IndexFixtures.withScratch { folder in
            let path = folder.appendingPathComponent("index.sqlite").path
            for picture in IndexFixtures.unrelated.prefix(2) {
                try IndexFixtures.copy(
                    picture, to: folder.appendingPathComponent("tree/\((picture as NSString).lastPathComponent)"))
            }
            do {
                let index = try ImageIndex(path: path, detector: try IndexFixtures.detector())
                _ = try index.scan([folder.appendingPathComponent("tree").path], options: ScanOptions(threshold: 0.9))
            }
            let queue = try DatabaseQueue(path: path)
            try queue.write { db in
                try db.execute(sql: "UPDATE meta SET value = 'twindup-0.1+000000000000' WHERE key = 'model_id'")
                try db.execute(sql: "UPDATE file SET model_id = 'twindup-0.1+000000000000'")
            }
            try queue.close()
            let error = #expect(throws: IndexError.self) {
                try ImageIndex(path: path, detector: try IndexFixtures.detector())
            }
            #expect(error?.code == .modelMismatch)
            #expect(
                error?.description.contains("twindup reindex") == true,
                "the error did not say how to fix it: \(String(describing: error))")

            let index = try ImageIndex(path: path, detector: try IndexFixtures.detector(), adoptingModel: true)
            #expect(index.matrix.count == 0, "embeddings of another model were mixed into the search")
            let summary = try index.reindex(options: ScanOptions(threshold: 0.9))
            #expect(summary.decoded == 2)
            #expect(index.matrix.count == 2)
            let statistics = try index.store.statistics()
            #expect(statistics.otherModel == 0 && statistics.files == 2 && statistics.modelID == index.detector.modelID)
            #expect(try ImageIndex(path: path, detector: try IndexFixtures.detector()).matrix.count == 2)
        }
    }

    /// What the scan stores is what `compare` and `query` compute for the same file: the small photo, and a
    /// 3840×2520 one that even at its smallest DCT scale decodes larger than the copy the matching reduces
    /// pictures to (`MatchingPreparation.inputs`).
    @Test(arguments: [false, true])
    func storedEmbeddingsAreTheScaledEmbeddingsAsLittleEndianFloats(large: Bool) throws {
        try IndexFixtures.withScratch { folder in
            let picture = folder.appendingPathComponent("tree/a.jpg")
            let (width, height) = large ? (4000, 2700) : (227, 149)
            if large {
                let photo = try ImageDecoder().decode(fileAt: TestData.path("jpeg/testorig.jpg"))
                try FileManager.default.createDirectory(
                    at: picture.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(
                    JPEGEncoder.encode(photo.resized(width: width, height: height, filter: .bilinear), quality: 90)
                )
                .write(to: picture)
            } else {
                try IndexFixtures.copy("jpeg/testorig.jpg", to: picture)
            }
            let index = try ImageIndex(
                path: folder.appendingPathComponent("index.sqlite").path, detector: try IndexFixtures.detector())
            _ = try index.scan([folder.appendingPathComponent("tree").path], options: ScanOptions(threshold: 0.9))
            let queue = try DatabaseQueue(path: index.store.path)
            let row = try #require(try queue.read { try Row.fetchOne($0, sql: "SELECT * FROM file") })
            try queue.close()
            func floats(_ blob: Data) -> [Float] {
                blob.withUnsafeBytes { raw in
                    (0..<(blob.count / 4)).map {
                        Float(
                            bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))
                        )
                    }
                }
            }
            // The whole picture's, then its windows' one after the other (the shipped model matches windows).
            let embedded = try index.matchingEmbedding(ofFileAt: picture.path)
            #expect(floats(row["embedding"]) == embedded.whole)
            #expect(!embedded.windows.isEmpty && floats(row["window_embeddings"]) == embedded.windows.flatMap { $0 })
            #expect((row["content_hash"] as Data).count == 32)
            let storedHash = try #require(IndexStore.pictureHash(row["picture_hash"] as Data))
            #expect(storedHash == embedded.hash)
            #expect(row["width"] as Int == width && row["height"] as Int == height)
            #expect(row["model_id"] as String == index.detector.modelID)
        }
    }
}
