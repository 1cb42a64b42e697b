/// The one definition of the distance between two scaled embeddings: Σⱼ |aⱼ − bⱼ| summed in a fixed order, so the
/// search, brute force and the reported probability all agree to the last bit.
///
/// The order: sixteen lane sums, lane l adding |aⱼ − bⱼ| for j = l, l+16, l+32, … in turn; then the lanes folded
/// in halves (l + l+8, then + l+4, then + l+2, then the last two). IEEE addition is not reassociated by the
/// compiler, so the result depends only on the inputs.
enum L1Distance {
    @inline(__always)
    static func distance(_ first: UnsafePointer<Float>, _ second: UnsafePointer<Float>, stride: Int) -> Float {
        var lanes = SIMD16<Float>()
        var offset = 0
        while offset < stride {
            let left = UnsafeRawPointer(first + offset).loadUnaligned(as: SIMD16<Float>.self)
            let right = UnsafeRawPointer(second + offset).loadUnaligned(as: SIMD16<Float>.self)
            lanes += magnitude(left - right)
            offset += 16
        }
        let eight = lanes.lowHalf + lanes.highHalf
        let four = eight.lowHalf + eight.highHalf
        let two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }

    /// Σ over the sixteen blocks of |block sum of a − block sum of b| is a lower bound of the distance (triangle
    /// inequality per block); the search computes it for eight rows at once.

    /// Rows whose block bound is above this cannot be within `radius`, rounding included.
    ///
    /// Why the margin suffices: computed in Float, each block sum (of at most 16 coordinates for rows of up to 256)
    /// is off by at most 16u·(its |coordinates|) and the bound's own sum of 16 terms by 17u relatively
    /// (u = 2⁻²⁴), so the computed bound exceeds the true bound by at most ≈ 1e-6·(‖a‖₁ + ‖b‖₁) + 1.1e-6·bound; and the computed distance of 128–256 non-negative terms is at least
    /// (1 − 1.6e-5) times the true one. A margin of 1e-4 relative plus 1e-4·(‖a‖₁ + ‖b‖₁) covers both with room,
    /// so a skipped row always has a computed distance above `radius`: skipping never changes a result.
    @inline(__always)
    static func pruningLimit(radius: Float, queryNorm: Float, rowNorms: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8(repeating: radius * (1 + 1e-4) + 1e-4 * queryNorm) + 1e-4 * rowNorms
    }

    @inline(__always)
    static func magnitude(_ values: SIMD16<Float>) -> SIMD16<Float> {
        unsafeBitCast(unsafeBitCast(values, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF, to: SIMD16<Float>.self)
    }

    @inline(__always)
    static func magnitude(_ values: SIMD8<Float>) -> SIMD8<Float> {
        unsafeBitCast(unsafeBitCast(values, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: SIMD8<Float>.self)
    }
}
