import Foundation

/// Atomic file replacement: the `--state` snapshots of `stream` and the `--report` of `scan`.
enum AtomicFile {
    /// Why a file could not be written at `path`, found before any work that would be lost.
    enum Unwritable: Error {
        /// The path is a folder.
        case folder
        /// The folder it would go in is missing or not writable (tried with a probe file: as
        /// root, permissions say yes where a read-only mount says no).
        case folderNotWritable(String)
    }

    /// Checks that a file can be written at `path`: not a folder, in a folder that takes new
    /// files. Leaves nothing behind.
    static func checkWritable(_ path: String) throws(Unwritable) {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue { throw .folder }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let probe = (folder as NSString).appendingPathComponent(".scamflow-probe-\(getpid())")
        guard FileManager.default.createFile(atPath: probe, contents: Data()) else { throw .folderNotWritable(folder) }
        unlink(probe)
    }

    /// The temporary name `write` uses for `path` in process `pid`.
    static func temporary(of path: String, pid: Int32 = getpid()) -> URL {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(pid)")
    }

    /// Removes temporaries of `path` left by processes that no longer run (a kill during a
    /// write). Returns how many.
    static func removeStaleTemporaries(of path: String) -> Int {
        let url = URL(fileURLWithPath: path)
        let prefix = ".\(url.lastPathComponent).tmp-"
        let folder = url.deletingLastPathComponent()
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return 0 }
        var removed = 0
        for name in names where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count)), pid != getpid() else { continue }
            // kill(pid, 0) fails with ESRCH when no such process exists.
            if kill(pid, 0) != 0, errno == ESRCH, unlink(folder.appendingPathComponent(name).path) == 0 { removed += 1 }
        }
        return removed
    }

    /// Writes what `produce` hands its writer, in order, to a temporary file in the same
    /// folder, fsyncs it and renames it over `path`: readers see the old file or the whole new
    /// one. On any error (the producer's too) the temporary is removed and `path` is untouched.
    static func write(to path: String, _ produce: (_ write: ([UInt8]) throws -> Void) throws -> Void) throws {
        let temp = temporary(of: path)
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var isOpen = true
        do {
            try produce { bytes in
                guard Console.writeAll(fd, bytes) else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            }
            guard fsync(fd) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            isOpen = false
            guard close(fd) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            guard rename(temp.path, path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch {
            // Closed once only: another thread may have been given the number since.
            if isOpen { close(fd) }
            unlink(temp.path)
            throw error
        }
    }
}
