import Foundation
import ImageIO
import TestSupport
import Testing

/// The review page in a real browser: the thumbnails show, and the table sorts.
@Suite(
    "twindup review in Chromium",
    .enabled(if: HeadlessChromium.isInstalled, "chromium is not installed (apt-get install chromium)"))
struct ReviewBrowserTests {
    @Test("the embedded thumbnails render: the page differs widely from the same page without its pictures")
    func thumbnailsRender() throws {
        let fixture = try ReviewFixture.make()
        defer { fixture.removeAll() }
        let (result, page) = try fixture.review()
        let html = try #require(page, "review failed: \(result.standardError)")
        // The same page with every picture taken out of its style sheet: empty grey boxes where thumbnails were.
        let parts = html.components(separatedBy: "url(\"data:image/jpeg;base64,")
        let stripped = parts.dropFirst().reduce(parts[0]) { page, part in
            page + "none" + String(part.drop { $0 != ")" }.dropFirst())
        }
        #expect(!stripped.contains("data:image") && stripped.count < html.count / 2)
        let strippedURL = fixture.root.appendingPathComponent("stripped.html")
        try Data(stripped.utf8).write(to: strippedURL)

        let browser = try HeadlessChromium(profile: fixture.root.appendingPathComponent("profile"))
        let (width, height) = (1200, 1600)
        var shots: [Image] = []
        for (name, url) in [("with", fixture.root.appendingPathComponent("review.html")), ("without", strippedURL)] {
            let png = fixture.root.appendingPathComponent("\(name).png")
            let run = try browser.screenshot(of: url.absoluteString, to: png, width: width, height: height)
            #expect(run.status == 0, "chromium failed: \(run.standardError.suffix(2000))")
            shots.append(try ImageDecoder().decode(fileAt: png.path))
        }
        let (withPictures, withoutPictures) = (shots[0], shots[1])
        #expect(withPictures.width == width && withPictures.height == height)
        #expect(withoutPictures.width == width && withoutPictures.height == height)

        // The page rendered at all: its text and boxes darken a fair share of the screen.
        let inked = (0..<(width * height)).filter { withoutPictures.pixels[$0 * 3] < 200 }.count
        #expect(inked > width * height / 100, "the page rendered nearly blank (\(inked) dark pixels)")
        // Every visible thumbnail box differs from its empty twin. The table shows each pair's two pictures at up to
        // 160 pixels (the smallest here fills 160×105), and the first three rows fit the window whatever the paths:
        // their six pictures must all show. Rendering noise between two runs is nowhere near that.
        let changed = (0..<(width * height)).filter { pixel in
            (0..<3).contains { channel in
                abs(Int(withPictures.pixels[pixel * 3 + channel]) - Int(withoutPictures.pixels[pixel * 3 + channel]))
                    > 40
            }
        }.count
        #expect(changed > 6 * 160 * 105, "only \(changed) pixels show a picture: the thumbnails did not render")
    }

    @Test("#sort=probability and #sort=-probability in the address sort the table by the page's own script")
    func addressSortsTheTable() throws {
        let fixture = try ReviewFixture.make()
        defer { fixture.removeAll() }
        let (result, page) = try fixture.review()
        #expect(page != nil, "review failed: \(result.standardError)")
        let address = fixture.root.appendingPathComponent("review.html").absoluteString
        let browser = try HeadlessChromium(profile: fixture.root.appendingPathComponent("profile"))

        var orders: [[Double]] = []
        for fragment in ["#sort=probability", "#sort=-probability"] {
            let run = try browser.dom(of: address + fragment)
            #expect(run.status == 0, "chromium failed: \(run.standardError.suffix(2000))")
            let probabilities = ReviewCommandTests.rows(in: run.standardOutput).compactMap { row in
                Double(row.dropFirst().prefix { $0 != "\"" })
            }
            #expect(
                run.standardOutput.contains(
                    "data-key=\"probability\" aria-sort=\"\(fragment.contains("-") ? "de" : "a")scending\""),
                "the probability header does not show the order")
            orders.append(probabilities)
        }
        #expect(Set(orders[0]).count >= 2, "every pair has the same probability: the order proves nothing")
        #expect(orders[0] == orders[0].sorted(), "#sort=probability gave \(orders[0])")
        #expect(orders[1] == orders[0].sorted(by: >), "#sort=-probability gave \(orders[1])")
    }
}
