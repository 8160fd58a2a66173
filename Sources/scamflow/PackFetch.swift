import Dispatch
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ScamPacks
import ScamStore

/// Reads pack bundles and indexes from files and http(s) URLs, and resolves pack sources.
enum PackFetch {
    /// A download or read that failed, with a message that says what and why.
    struct FetchError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// Seconds a request may take (`SCAMFLOW_HTTP_TIMEOUT` overrides; tests shorten it).
    static var timeout: Double {
        ProcessInfo.processInfo.environment["SCAMFLOW_HTTP_TIMEOUT"].flatMap(Double.init) ?? 60
    }

    static func isURL(_ location: String) -> Bool { PackSources.isURL(location) }

    /// The bytes at a path or an http(s) URL, at most `PackBundle.maxBytes`.
    static func bytes(at location: String) throws(FetchError) -> [UInt8] {
        if isURL(location) {
            guard let url = URL(string: location) else { throw FetchError(message: "\(location) is not a valid URL") }
            return try get(url)
        }
        if location.contains("://") {
            throw FetchError(message: "\(location): only http:// and https:// URLs and local files are supported")
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: location, isDirectory: &isDir) else { throw FetchError(message: "\(location): no such file") }
        guard !isDir.boolValue else { throw FetchError(message: "\(location) is a folder; give a .sfpack file (`scamflow pack build` makes one)") }
        guard let data = FileManager.default.contents(atPath: location) else { throw FetchError(message: "\(location): cannot read the file") }
        guard data.count <= PackBundle.maxBytes else { throw FetchError(message: "\(location) is larger than \(PackBundle.maxBytes) bytes") }
        return Array(data)
    }

    /// GET `url`; anything but a complete 200 answer is an error.
    static func get(_ url: URL) throws(FetchError) -> [UInt8] {
        final class Outcome: @unchecked Sendable {
            var data: Data?
            var response: URLResponse?
            var error: (any Error)?
        }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        quietNetworking
        // `.default`, not `.ephemeral`: the ephemeral configuration makes a URL cache of its own
        // whose initializer creates a folder in ~/.cache even with no disk capacity.
        let configuration = URLSessionConfiguration.default
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        configuration.urlCredentialStorage = nil
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        var request = URLRequest(url: url)
        request.setValue("scamflow/\(Engine.version)", forHTTPHeaderField: "User-Agent")
        session.dataTask(with: request) { data, response, error in
            outcome.data = data
            outcome.response = response
            outcome.error = error
            done.signal()
        }.resume()
        done.wait()
        let what = "GET \(url.absoluteString)"
        if let error = outcome.error {
            throw FetchError(message: "\(what): \(describe(error))")
        }
        guard let http = outcome.response as? HTTPURLResponse else { throw FetchError(message: "\(what): no HTTP response") }
        guard http.statusCode == 200 else {
            throw FetchError(message: "\(what): the server answered HTTP \(http.statusCode) \(HTTPURLResponse.localizedString(forStatusCode: http.statusCode))")
        }
        let data = outcome.data ?? Data()
        if http.expectedContentLength >= 0, Int64(data.count) != http.expectedContentLength {
            throw FetchError(message: "\(what): the download was cut short (\(data.count) of \(http.expectedContentLength) bytes)")
        }
        guard data.count <= PackBundle.maxBytes else { throw FetchError(message: "\(what): larger than \(PackBundle.maxBytes) bytes") }
        return Array(data)
    }

    /// Keeps FoundationNetworking from leaving folders behind. The first configuration of any
    /// session creates the shared URL cache, which makes
    /// `$XDG_CACHE_HOME/org.swift.foundation.URLCache/scamflow`, and the shared cookie store, which
    /// makes `$XDG_DATA_HOME/` + the name of the binary's folder (`release`, `debug`), or that
    /// folder in the current directory when it cannot. scamflow keeps no cookie and caches no
    /// download, so before first use both are made in a scratch folder (the cache by its path,
    /// the cookie store by `XDG_DATA_HOME` for the moment it is created), which is then removed.
    /// Runs once, on the thread of the first download, before any session exists.
    private static let quietNetworking: Void = {
        var template = Array((NSTemporaryDirectory() as NSString).appendingPathComponent("scamflow-net-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { return }
        let scratch = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        URLCache.shared = URLCache(memoryCapacity: 0, diskCapacity: 0, diskPath: (scratch as NSString).appendingPathComponent("cache"))
        let dataHome = ProcessInfo.processInfo.environment["XDG_DATA_HOME"]
        setenv("XDG_DATA_HOME", scratch, 1)
        _ = HTTPCookieStorage.shared
        if let dataHome { setenv("XDG_DATA_HOME", dataHome, 1) } else { unsetenv("XDG_DATA_HOME") }
    }()

    static func describe(_ error: any Error) -> String {
        guard let urlError = error as? URLError else { return (error as NSError).localizedDescription }
        switch urlError.code {
        case .cannotConnectToHost: return "cannot connect (connection refused)"
        case .timedOut: return "timed out"
        case .networkConnectionLost: return "the connection closed before the download finished (cut short)"
        case .cannotFindHost: return "unknown host"
        case .badServerResponse: return "the server's answer is not valid HTTP"
        // Only http(s) URLs get here: libcurl says "unsupported" when the answer is not HTTP.
        case .unsupportedURL: return "the server's answer is not HTTP"
        default:
            let text = urlError.localizedDescription
            // libcurl's CURLE_PARTIAL_FILE arrives as an unknown URLError with its own text.
            if text.contains("transfer closed") || text.contains("remaining to read") { return "the download was cut short (\(text))" }
            return "\(text) (URLError \(urlError.code.rawValue))"
        }
    }

    // MARK: Sources

    /// A source's index, and where its entries' bundles are.
    struct SourceIndex {
        var source: String
        var index: PackIndex
        /// The location (URL or path) of an entry's bundle.
        var locate: (PackIndex.Entry) throws(FetchError) -> String
    }

    /// Reads a source: a folder (its `index.json`, or else every `*.sfpack` in it), a path to an
    /// index file, or an http(s) URL of an index (`.../index.json`, or a folder URL to which
    /// `index.json` is appended).
    static func index(of source: String) throws(FetchError) -> SourceIndex {
        if isURL(source) {
            let indexURLText = source.hasSuffix(".json") ? source : (source.hasSuffix("/") ? source : source + "/") + PackIndex.fileName
            guard let indexURL = URL(string: indexURLText) else { throw FetchError(message: "\(source) is not a valid URL") }
            let index = try decodeIndex(try get(indexURL), source: indexURL.absoluteString)
            return SourceIndex(source: source, index: index) { entry throws(FetchError) in
                guard let url = URL(string: entry.url, relativeTo: indexURL)?.absoluteURL,
                      url.scheme == "http" || url.scheme == "https" else {
                    throw FetchError(message: "\(indexURL.absoluteString): the entry for \(entry.label) points at \(entry.url), which is not an http(s) location")
                }
                return url.absoluteString
            }
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDir) else {
            throw FetchError(message: "pack source \(source): no such folder")
        }
        let folder = isDir.boolValue ? source : (source as NSString).deletingLastPathComponent
        let indexPath = isDir.boolValue ? (source as NSString).appendingPathComponent(PackIndex.fileName) : source
        let locate: (PackIndex.Entry) throws(FetchError) -> String = { entry throws(FetchError) in
            guard !entry.url.hasPrefix("/"), !entry.url.split(separator: "/").contains(".."), !entry.url.contains("://") else {
                throw FetchError(message: "\(indexPath): the entry for \(entry.label) points outside its folder (\(entry.url))")
            }
            return (folder as NSString).appendingPathComponent(entry.url)
        }
        if FileManager.default.fileExists(atPath: indexPath) {
            return SourceIndex(source: source, index: try decodeIndex(try bytes(at: indexPath), source: indexPath), locate: locate)
        }
        // A plain folder of bundles: index it on the fly.
        var bundles: [(fileName: String, bytes: [UInt8], bundle: PackBundle)] = []
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".sfpack") }.sorted()
        for name in names {
            let data = try bytes(at: (folder as NSString).appendingPathComponent(name))
            do {
                bundles.append((name, data, try PackBundle.read(data)))
            } catch {
                Console.shared.err("scamflow: \(folder)/\(name): \(error); skipped\n")
            }
        }
        return SourceIndex(source: source, index: PackIndex.of(bundles: bundles), locate: locate)
    }

    static func decodeIndex(_ bytes: [UInt8], source: String) throws(FetchError) -> PackIndex {
        do {
            return try PackIndex.decode(bytes, source: source)
        } catch {
            throw FetchError(message: error.message)
        }
    }

    /// Downloads an index entry's bundle and checks it is the file the index describes.
    static func bundle(for entry: PackIndex.Entry, in source: SourceIndex) throws(FetchError) -> (location: String, bytes: [UInt8]) {
        let location = try source.locate(entry)
        let data = try bytes(at: location)
        guard data.count == entry.size, Hashing.sha256Hex(data) == entry.sha256 else {
            let cut = data.count < entry.size
            throw FetchError(message: "\(location): got \(data.count) bytes, the index says \(entry.size) with another SHA-256: "
                             + (cut ? "the download was cut short" : "the file is not the one the index lists") + "; nothing was installed")
        }
        return (location, data)
    }
}
