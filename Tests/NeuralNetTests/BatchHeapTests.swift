import Testing

@testable import NeuralNet

/// twindup train, calibrate and eval set glibc's heap up for reuse before anything else runs; a setting glibc
/// refuses would leave training to fault in its tensors afresh every step (a fifth slower) with only a warning.
@Suite struct BatchHeapTests {
    @Test func glibcAcceptsEverySetting() {
        #expect(BatchHeap.keepFreedMemoryForReuse() == [])
    }
}
