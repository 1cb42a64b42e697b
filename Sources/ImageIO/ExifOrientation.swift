/// EXIF tag 0x0112: how the stored pixels must be turned to show the picture upright. Raw values 1–8; each
/// case is named for the transform that makes the stored pixels upright.
public enum ExifOrientation: Int, Sendable, CaseIterable, CustomStringConvertible {
    case up = 1
    case mirrored = 2
    case rotated180 = 3
    case flippedVertically = 4
    case transposed = 5
    case rotated90Clockwise = 6
    case transverse = 7
    case rotated90CounterClockwise = 8

    /// Whether showing the picture upright swaps its width and height.
    public var swapsDimensions: Bool { rawValue >= 5 }

    public var description: String {
        switch self {
        case .up: "1 (upright)"
        case .mirrored: "2 (mirrored)"
        case .rotated180: "3 (rotate 180°)"
        case .flippedVertically: "4 (flip vertically)"
        case .transposed: "5 (transpose)"
        case .rotated90Clockwise: "6 (rotate 90° clockwise)"
        case .transverse: "7 (transverse)"
        case .rotated90CounterClockwise: "8 (rotate 90° counter-clockwise)"
        }
    }

    /// Where the stored pixel at (`x`, `y`) of a `width`×`height` image lands in the upright picture.
    func uprightPosition(x: Int, y: Int, width: Int, height: Int) -> (x: Int, y: Int) {
        switch self {
        case .up: (x, y)
        case .mirrored: (width - 1 - x, y)
        case .rotated180: (width - 1 - x, height - 1 - y)
        case .flippedVertically: (x, height - 1 - y)
        case .transposed: (y, x)
        case .rotated90Clockwise: (height - 1 - y, x)
        case .transverse: (height - 1 - y, width - 1 - x)
        case .rotated90CounterClockwise: (y, width - 1 - x)
        }
    }

    /// Turns stored RGB pixels upright; returns the new size and pixels.
    func applied(toRGB pixels: [UInt8], width: Int, height: Int) -> (width: Int, height: Int, pixels: [UInt8]) {
        if self == .up {
            return (width, height, pixels)
        }
        let uprightWidth = swapsDimensions ? height : width
        let uprightHeight = swapsDimensions ? width : height
        // The upright index moves by a fixed step per stored column and per stored row.
        let origin = uprightPosition(x: 0, y: 0, width: width, height: height)
        let nextColumn = uprightPosition(x: min(1, width - 1), y: 0, width: width, height: height)
        let nextRow = uprightPosition(x: 0, y: min(1, height - 1), width: width, height: height)
        let start = origin.y * uprightWidth + origin.x
        let columnStep = (nextColumn.y * uprightWidth + nextColumn.x) - start
        let rowStep = (nextRow.y * uprightWidth + nextRow.x) - start
        var upright = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { source in
            upright.withUnsafeMutableBufferPointer { destination in
                for y in 0..<height {
                    var target = start + y * rowStep
                    var sourceIndex = y * width * 3
                    for _ in 0..<width {
                        destination[target * 3] = source[sourceIndex]
                        destination[target * 3 + 1] = source[sourceIndex + 1]
                        destination[target * 3 + 2] = source[sourceIndex + 2]
                        target += columnStep
                        sourceIndex += 3
                    }
                }
            }
        }
        return (uprightWidth, uprightHeight, upright)
    }
}
