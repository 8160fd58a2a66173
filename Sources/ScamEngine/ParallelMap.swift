import Foundation

/// `items.map(transform)` on up to `threads` threads, each taking a contiguous share: the same
/// result in the same order. For the work at the end of a scan (folding and encoding the alerts
/// held until the flows ran), which otherwise ran on one core while the other sat idle.
public enum ParallelMap {
    /// Below this many items a map runs on the calling thread.
    static let minimumItems = 64

    public static func map<T: Sendable, U: Sendable>(_ items: [T], threads: Int, _ transform: @Sendable (T) -> U) -> [U] {
        let parts = min(max(1, threads), items.count / minimumItems)
        guard parts > 1 else { return items.map(transform) }
        let out = UnsafeMutableBufferPointer<U>.allocate(capacity: items.count)
        let slots = Slots(buffer: out)
        items.withUnsafeBufferPointer { input in
            let source = Input(buffer: input)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let range = (part * source.buffer.count / parts)..<((part + 1) * source.buffer.count / parts)
                for i in range { (slots.buffer.baseAddress! + i).initialize(to: transform(source.buffer[i])) }
            }
        }
        defer { out.deinitialize().deallocate() }
        return Array(out)
    }

    /// Distinct indices written by distinct threads, read after they all finish.
    private struct Slots<U>: @unchecked Sendable { let buffer: UnsafeMutableBufferPointer<U> }
    /// The input, read by every thread, alive for the whole `concurrentPerform`.
    private struct Input<T>: @unchecked Sendable { let buffer: UnsafeBufferPointer<T> }
}
