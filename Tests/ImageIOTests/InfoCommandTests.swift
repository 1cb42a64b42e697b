import Foundation
import ImageIO
import TestSupport
import Testing

/// `twindup info` run as a real process, as a user runs it over a folder of images.
struct InfoCommandTests {
    /// What the in-process decoder says about each file: the CLI must agree with it line for line.
    static func decoderVerdicts(_ paths: [String]) -> [String: Result<Image, ImageDecodeError>] {
        let decoder = ImageDecoder()
        return Dictionary(
            uniqueKeysWithValues: paths.map { path in
                (path, Result { () throws(ImageDecodeError) in try decoder.decode(fileAt: path) })
            })
    }

    /// Every file under png/ (recursively) and jpeg/, whatever its name: images, references, licences.
    static func allTestDataFiles() -> [String] {
        var files: [String] = []
        for folder in ["png", "jpeg"] {
            let root = TestData.root.appendingPathComponent(folder)
            let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
            while let url = enumerator?.nextObject() as? URL {
                if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                    files.append(url.path)
                }
            }
        }
        return files.sorted()
    }

    /// Checks that each file has exactly one line: on stdout with its size if it decodes, on stderr with the
    /// decoder's error if not; and that the exit status says whether any failed.
    func expectOneLinePerFile(
        _ paths: [String], result: ProcessResult, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let verdicts = Self.decoderVerdicts(paths)
        var failures = 0
        for path in paths {
            let onOutput = result.outputLines.filter { $0.hasPrefix("\(path): ") }
            let onError = result.errorLines.filter { $0.hasPrefix("twindup: \(path): ") }
            switch verdicts[path] {
            case .success(let image):
                #expect(
                    onOutput.count == 1 && onError.isEmpty,
                    "\(path) decodes but twindup info printed \(onOutput) and \(onError)",
                    sourceLocation: sourceLocation)
                #expect(
                    onOutput.first?.contains("\(image.format) \(image.width)x\(image.height)") == true,
                    "\(path): \(onOutput)", sourceLocation: sourceLocation)
            case .failure(let error):
                failures += 1
                #expect(
                    onError == ["twindup: \(error)"] && onOutput.isEmpty,
                    "\(path) fails with \(error) but twindup info printed \(onOutput) and \(onError)",
                    sourceLocation: sourceLocation)
            case nil:
                Issue.record("no verdict for \(path)", sourceLocation: sourceLocation)
            }
        }
        let summary = failures > 0 ? ["twindup: \(failures) of \(paths.count) files failed"] : []
        #expect(result.outputLines.count == paths.count - failures, sourceLocation: sourceLocation)
        #expect(
            result.errorLines.count == failures + summary.count, "\(result.standardError)",
            sourceLocation: sourceLocation)
        #expect(Array(result.errorLines.suffix(summary.count)) == summary, sourceLocation: sourceLocation)
        #expect(result.status == (failures > 0 ? 1 : 0), "exit status \(result.status)", sourceLocation: sourceLocation)
    }

    @Test func goodFilesPrintOneLineEachAndExitZero() throws {
        let paths = ["jpeg/testorig.jpg", "jpeg/testimgint.jpg", "png/pngsuite-full/basn6a16.png"].map(TestData.path)
        let result = try BuiltExecutable(named: "twindup").run(["info"] + paths)
        expectOneLinePerFile(paths, result: result)
        #expect(result.status == 0 && result.standardError.isEmpty, "\(result.standardError)")
    }

    @Test func badFilesAreReportedWithTheirCauseAndTheExitStatusIsOne() throws {
        let twelveBit = TestData.path("jpeg/monkey12.jpg")
        let paths = [
            TestData.path("jpeg/testorig.jpg"), twelveBit, TestData.path("png/pngsuite-full/xcrn0g04.png"),
            TestData.path("png/testpngs/crashers/badcrc.png"), TestData.path("png/pngsuite-full/basn0g01.png"),
        ]
        let result = try BuiltExecutable(named: "twindup").run(["info"] + paths)
        expectOneLinePerFile(paths, result: result)
        #expect(result.status == 1)
        let twelveBitLine = result.errorLines.first { $0.contains(twelveBit) } ?? ""
        #expect(
            twelveBitLine.contains("12-bit JPEG is not supported"), "a 12-bit JPEG is reported as: \(twelveBitLine)")
    }

    @Test func everyTestDataFileGetsOneLine() throws {
        let paths = Self.allTestDataFiles()
        #expect(paths.count > 300, "test data not found under \(TestData.root.path)")
        let result = try BuiltExecutable(named: "twindup").run(["info"] + paths)
        expectOneLinePerFile(paths, result: result)
        let corruptPngSuite = paths.filter { $0.contains("/pngsuite-full/x") && $0.hasSuffix(".png") }
        #expect(!corruptPngSuite.isEmpty)
        for path in corruptPngSuite {
            #expect(result.errorLines.contains { $0.hasPrefix("twindup: \(path): ") }, "\(path) was not reported")
        }
    }
}
