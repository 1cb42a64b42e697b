/// zlib streams that inflate to far more than they store, written by hand with deflate's fixed Huffman codes so
/// that the tests need no zlib: each 258-byte run of zeros costs 13 bits.
public enum ZlibBomb {
    /// A zlib stream of `prefix` followed by `zeroCount` zero bytes.
    public static func stream(prefix: [UInt8] = [], zeroCount: Int) -> [UInt8] {
        var bits = BitWriter()
        bits.write(1, count: 1)  // BFINAL
        bits.write(1, count: 2)  // BTYPE 01: fixed Huffman codes
        for byte in prefix {
            bits.writeLiteral(Int(byte))
        }
        var remaining = zeroCount
        if remaining > 0 {
            bits.writeLiteral(0)
            remaining -= 1
        }
        while remaining >= 258 {
            bits.writeHuffman(0xC5, count: 8)  // length code 285: 258 bytes, no extra bits
            bits.writeHuffman(0, count: 5)  // distance code 0: distance 1
            remaining -= 258
        }
        for _ in 0..<remaining {
            bits.writeLiteral(0)
        }
        bits.writeHuffman(0, count: 7)  // end of block (code 256)
        return [0x78, 0x01] + bits.bytes + bigEndian(adler32(prefix, thenZeros: zeroCount))
    }

    /// Adler-32 of `bytes` followed by `zeroCount` zeros: a zero leaves the first sum alone and adds it to the second.
    public static func adler32(_ bytes: [UInt8], thenZeros zeroCount: Int) -> UInt32 {
        var a: UInt64 = 1
        var b: UInt64 = 0
        for byte in bytes {
            a = (a + UInt64(byte)) % 65521
            b = (b + a) % 65521
        }
        b = (b + a * UInt64(zeroCount % 65521)) % 65521
        return UInt32(b << 16 | a)
    }

    public static func bigEndian(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) }
    }
}

/// Deflate's bit order: values least significant bit first, Huffman codes most significant bit first.
private struct BitWriter {
    var bytes: [UInt8] = []
    private var bitCount = 0

    mutating func write(_ value: Int, count: Int) {
        for index in 0..<count {
            if bitCount % 8 == 0 { bytes.append(0) }
            if (value >> index) & 1 == 1 { bytes[bytes.count - 1] |= UInt8(1 << (bitCount % 8)) }
            bitCount += 1
        }
    }

    mutating func writeHuffman(_ code: Int, count: Int) {
        for index in stride(from: count - 1, through: 0, by: -1) {
            write((code >> index) & 1, count: 1)
        }
    }

    /// A literal byte with the fixed code table: 0...143 take 8 bits from 0x30, 144...255 take 9 bits from 0x190.
    mutating func writeLiteral(_ value: Int) {
        if value < 144 {
            writeHuffman(0x30 + value, count: 8)
        } else {
            writeHuffman(0x190 + value - 144, count: 9)
        }
    }
}
