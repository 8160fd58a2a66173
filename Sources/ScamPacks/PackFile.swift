import Foundation
import ScamLiterals

/// One file of a pack: its path inside the pack folder and its text.
public struct PackFile: Sendable, Hashable {
    /// Path relative to the pack folder, with `/` separators (`pack.yaml`, `rules/a.yaml`).
    public var path: String
    public var contents: String

    public init(path: String, contents: String) {
        self.path = path
        self.contents = contents
    }
}

/// Where a pack came from, shown in `pack list` and alerts.
public enum PackOrigin: Sendable, Hashable, CustomStringConvertible, Codable {
    /// Compiled into the binary from `Patterns/`.
    case builtin
    /// A folder on disk given with `--packs`.
    case directory(String)
    /// A version folder in the pack store (`scamflow pack install`).
    case installed(String)

    public var description: String {
        switch self {
        case .builtin: return "built-in"
        case .directory(let path): return path
        case .installed(let path): return "installed \(path)"
        }
    }
}

/// Reads pack folders from disk.
public enum PackDirectory {
    /// Whether `path` is a pack folder (has a `pack.yaml`).
    public static func isPack(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("pack.yaml"))
    }

    /// The pack folders at `path`: the folder itself when it is a pack, else its direct
    /// subfolders that are packs (so `--packs Patterns` loads every pack in it).
    public static func packFolders(at path: String) -> [String] {
        if isPack(path) { return [path] }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return entries.sorted()
            .map { (path as NSString).appendingPathComponent($0) }
            .filter(isPack)
    }

    /// Whether a file belongs in a pack by its name: YAML, JSON lines (fixtures) and models.
    public static func isPackFile(_ path: String) -> Bool {
        [".yaml", ".yml", ".jsonl", PackLoader.modelExtension].contains(where: path.hasSuffix) || path == LiteralTable.fileName
    }

    /// The files of the pack at `path` (`pack.yaml`, `rules/**/*.yaml`, `flows/**`, `tests/**`, `model/*.sfmodel`,
    /// and the literal table `literals.sflit` when the folder has one, as an unpacked bundle does),
    /// sorted by path so loading is deterministic.
    /// - Throws: a `Diagnostic` (`SF110`) when the folder or a file cannot be read.
    public static func read(_ path: String) throws(Diagnostic) -> [PackFile] {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
            throw Diagnostic(.unreadable, at: SourceLocation(file: path), "pack folder not found",
                             hint: "pass a folder that holds a pack.yaml, or a folder of such folders")
        }
        guard isPack(path) else {
            throw Diagnostic(.unreadable, at: SourceLocation(file: path), "no pack.yaml in this folder",
                             hint: "a pack is a folder with pack.yaml and rules/*.yaml (see Patterns/README.md)")
        }
        var files: [PackFile] = []
        let root = URL(fileURLWithPath: path)
        guard let walker = fm.enumerator(atPath: path) else {
            throw Diagnostic(.unreadable, at: SourceLocation(file: path), "cannot list the pack folder")
        }
        for case let relative as String in walker {
            guard PackDirectory.isPackFile(relative) else { continue }
            let url = root.appendingPathComponent(relative)
            guard let data = fm.contents(atPath: url.path) else {
                throw Diagnostic(.unreadable, at: SourceLocation(file: displayPath(path, relative)), "cannot read file",
                                 hint: "check the file's permissions")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw Diagnostic(.unreadable, at: SourceLocation(file: displayPath(path, relative)), "file is not valid UTF-8",
                                 hint: "save the file as UTF-8")
            }
            files.append(PackFile(path: relative, contents: text))
        }
        return files.sorted { $0.path < $1.path }
    }

    static func displayPath(_ pack: String, _ relative: String) -> String {
        (pack as NSString).appendingPathComponent(relative)
    }
}
