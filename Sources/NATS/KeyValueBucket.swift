import CNATS

/// A JetStream key-value bucket: values by key, each write a new revision. It owns its C
/// handle.
///
/// `update(_:_:expecting:)` writes only if the key's last revision is the one expected: a
/// writer that lost its place (another process took its partition and wrote since) finds out
/// instead of overwriting.
public final class KeyValueBucket: @unchecked Sendable {
    let handle: OpaquePointer
    public let jetStream: JetStream
    public let name: String

    init(handle: OpaquePointer, jetStream: JetStream, name: String) {
        self.handle = handle
        self.jetStream = jetStream
        self.name = name
    }

    deinit {
        kvStore_Destroy(handle)
    }

    /// One value and the revision that wrote it.
    public struct Entry: Sendable {
        public var value: [UInt8]
        public var revision: UInt64
    }

    /// The key's latest value, or nil when the key was never written (or was deleted).
    public func get(_ key: String) throws -> Entry? {
        var entry: OpaquePointer?
        let status = kvStore_Get(&entry, handle, key)
        if status == NATS_NOT_FOUND { return nil }
        guard status == NATS_OK, let entry else { throw NATSError.from(status, operation: "read key \(key) of bucket \(name)") }
        defer { kvEntry_Destroy(entry) }
        let count = Int(kvEntry_ValueLen(entry))
        var value: [UInt8] = []
        if count > 0, let raw = kvEntry_Value(entry) {
            value = Array(UnsafeRawBufferPointer(start: raw, count: count))
        }
        return Entry(value: value, revision: kvEntry_Revision(entry))
    }

    /// Writes whatever the key held before; returns the new revision.
    @discardableResult
    public func put(_ key: String, _ value: [UInt8]) throws -> UInt64 {
        var revision: UInt64 = 0
        try NATSError.check("write key \(key) of bucket \(name)") {
            value.withUnsafeBytes { kvStore_Put(&revision, handle, key, $0.baseAddress, Int32($0.count)) }
        }
        return revision
    }

    /// Removes the key and its values (a purge: only a marker stays).
    public func purge(_ key: String) throws {
        try NATSError.check("purge key \(key) of bucket \(name)") { kvStore_Purge(handle, key, nil) }
    }

    /// Writes only if the key's last revision is `expecting` (0: only if the key does not
    /// exist). Throws `.wrongRevision` otherwise.
    @discardableResult
    public func update(_ key: String, _ value: [UInt8], expecting: UInt64) throws -> UInt64 {
        var revision: UInt64 = 0
        let what = "write key \(key) of bucket \(name) at revision \(expecting)"
        let status = value.withUnsafeBytes { buffer in
            expecting == 0
                ? kvStore_Create(&revision, handle, key, buffer.baseAddress, Int32(buffer.count))
                : kvStore_Update(&revision, handle, key, buffer.baseAddress, Int32(buffer.count), expecting)
        }
        guard status == NATS_OK else {
            let error = NATSError.from(status, operation: what)
            // kvStore_Create reports an existing key as a wrong last sequence too.
            throw error.kind == .other && error.message.contains("key exists")
                ? NATSError(kind: .wrongRevision, status: error.status, operation: what, message: error.message) : error
        }
        return revision
    }
}

extension JetStream {
    /// What a bucket is made with when it does not exist.
    public struct BucketConfig: Sendable {
        public var name: String
        public var replicas: Int = 1
        /// Revisions kept per key (1: only the latest).
        public var history: Int = 1
        public var maxValueBytes: Int = -1

        public init(name: String, replicas: Int = 1, history: Int = 1, maxValueBytes: Int = -1) {
            self.name = name
            self.replicas = replicas
            self.history = history
            self.maxValueBytes = maxValueBytes
        }
    }

    /// The bucket, made with `config` when it does not exist yet.
    public func keyValue(_ config: BucketConfig) throws -> KeyValueBucket {
        var kv: OpaquePointer?
        let status = js_KeyValue(&kv, handle, config.name)
        if status == NATS_OK, let kv { return KeyValueBucket(handle: kv, jetStream: self, name: config.name) }
        guard status == NATS_NOT_FOUND else { throw NATSError.from(status, operation: "open bucket \(config.name)") }
        let strings = CStrings()
        var cfg = kvConfig()
        kvConfig_Init(&cfg)
        cfg.Bucket = strings.add(config.name)
        cfg.Replicas = Int32(config.replicas)
        cfg.History = UInt8(config.history)
        cfg.MaxValueSize = Int32(config.maxValueBytes)
        try NATSError.check("create bucket \(config.name)") { js_CreateKeyValue(&kv, handle, &cfg) }
        return KeyValueBucket(handle: kv!, jetStream: self, name: config.name)
    }
}
