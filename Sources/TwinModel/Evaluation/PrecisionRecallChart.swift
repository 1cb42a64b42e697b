import Foundation

/// Draws precision–recall curves of several scorers into one self-contained SVG.
public enum PrecisionRecallChart {
    public static func svg(series: [(name: String, curve: [OperatingPoint])], title: String) -> String {
        let width = 640.0
        let height = 480.0
        let margin = 56.0
        let colours = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]
        func x(_ recall: Double) -> Double { margin + recall * (width - 2 * margin) }
        func y(_ precision: Double) -> Double { height - margin - precision * (height - 2 * margin) }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(width / 2)" y="24" text-anchor="middle" font-size="15">\(escaped(title))</text>

            """
        for tick in stride(from: 0.0, through: 1.0, by: 0.2) {
            svg += """
                <line x1="\(x(tick))" y1="\(y(0))" x2="\(x(tick))" y2="\(y(1))" stroke="#ddd"/>
                <line x1="\(x(0))" y1="\(y(tick))" x2="\(x(1))" y2="\(y(tick))" stroke="#ddd"/>
                <text x="\(x(tick))" y="\(y(0) + 16)" text-anchor="middle">\(String(format: "%.1f", tick))</text>
                <text x="\(x(0) - 8)" y="\(y(tick) + 4)" text-anchor="end">\(String(format: "%.1f", tick))</text>

                """
        }
        svg += """
            <text x="\(width / 2)" y="\(height - 14)" text-anchor="middle">recall</text>
            <text x="16" y="\(height / 2)" text-anchor="middle" transform="rotate(-90 16 \(height / 2))">precision</text>

            """
        for (index, entry) in series.enumerated() {
            let colour = colours[index % colours.count]
            let points = entry.curve.map {
                "\(String(format: "%.2f", x($0.recall))),\(String(format: "%.2f", y($0.precision)))"
            }
            svg +=
                "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>\n"
            let legendY = margin + 18 * Double(index)
            svg += "<line x1=\"\(width - 200)\" y1=\"\(legendY)\" x2=\"\(width - 176)\" y2=\"\(legendY)\" "
            svg += "stroke=\"\(colour)\" stroke-width=\"3\"/>\n"
            svg += "<text x=\"\(width - 170)\" y=\"\(legendY + 4)\">\(escaped(entry.name))</text>\n"
        }
        return svg + "</svg>\n"
    }

    private static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
