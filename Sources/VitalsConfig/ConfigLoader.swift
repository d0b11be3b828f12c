public import VitalsCore

#if canImport(Glibc)
    import Glibc
#endif

/// A validated configuration with where each value came from.
public struct LoadedConfig: Sendable {
    public var config: Config
    /// Key path -> source, for values not taken from the defaults.
    public var provenance: [String: ConfigSource]
    /// The file that was read, or nil when the agent runs on its embedded defaults.
    public var file: String?
}

/// Builds a `Config`: embedded defaults, then the YAML file, then `VITALS_*` environment overrides;
/// then the custom checks of `plugins.directory` (a reload reads them again, and keeps the old set
/// when any file is wrong).
public enum ConfigLoader {
    /// The file read when no `--config` is given.
    public static let defaultPath = "/etc/vitals/vitals.yaml"

    /// Loads and validates. With `path` nil the default file is read when it exists, and the
    /// embedded defaults are used when it does not; an explicit path must exist.
    public static func load(
        path: String?, environment: [String: String], options: [EnvironmentOverrides.Override] = []
    ) throws(ConfigErrors) -> LoadedConfig {
        let file = path ?? (access(defaultPath, F_OK) == 0 ? defaultPath : nil)
        var root: YAMLNode?
        if let file {
            let text: String
            do {
                text = try readText(file)
            } catch {
                throw ConfigErrors([error])
            }
            do {
                root = try YAMLParser.parse(text, file: file)
            } catch {
                throw ConfigErrors([ConfigIssue(source: error.source, path: "", message: error.message)])
            }
        }
        return try decode(root, file: file, environment: environment, options: options, readChecks: true)
    }

    /// Validates YAML text as if it were the file `name` (for tests and `config check -`).
    public static func load(text: String, name: String, environment: [String: String] = [:]) throws(ConfigErrors) -> LoadedConfig {
        let root: YAMLNode?
        do {
            root = try YAMLParser.parse(text, file: name)
        } catch {
            throw ConfigErrors([ConfigIssue(source: error.source, path: "", message: error.message)])
        }
        return try decode(root, file: name, environment: environment)
    }

    private static func decode(
        _ root: YAMLNode?, file: String?, environment: [String: String], options: [EnvironmentOverrides.Override] = [],
        readChecks: Bool = false
    ) throws(ConfigErrors) -> LoadedConfig {
        let (withEnv, envIssues) = EnvironmentOverrides.apply(environment, to: root)
        let (merged, optionIssues) = EnvironmentOverrides.apply(options, to: withEnv)
        var decoder = ConfigDecoder()
        decoder.credentialsDirectory = environment["CREDENTIALS_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 }
        var config = decoder.decode(merged)
        var issues = (envIssues + optionIssues + decoder.issues).sorted { $0.source.order < $1.source.order }
        if readChecks {
            do {
                config.checks =
                    (config.plugins.builtinChecks ? CompiledChecks.definitions(config.plugins) : [])
                    + (try ChecksLoader.load(directory: config.plugins.directory))
            } catch {
                issues += error.issues
            }
        }
        guard issues.isEmpty else { throw ConfigErrors(issues) }
        return LoadedConfig(config: config, provenance: decoder.provenance, file: file)
    }

    static func readText(_ path: String) throws(ConfigIssue) -> String {
        guard let f = fopen(path, "r") else {
            let reason = String(cString: strerror(errno))
            throw ConfigIssue(
                source: .file(path, line: 0, column: 0), path: "",
                message: "cannot read the configuration (\(reason)); check the path given to --config")
        }
        defer { fclose(f) }
        var st = stat()
        guard fstat(fileno(f), &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            let what = (st.st_mode & S_IFMT) == S_IFDIR ? "a directory" : "not a regular file"
            throw ConfigIssue(
                source: .file(path, line: 0, column: 0), path: "",
                message: "is \(what), not a configuration file; give the path of the YAML file (e.g. /etc/vitals/vitals.yaml)")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&chunk, 1, chunk.count, f)
            if n <= 0 {
                if ferror(f) != 0 {
                    throw ConfigIssue(
                        source: .file(path, line: 0, column: 0), path: "",
                        message: "cannot read the configuration (\(String(cString: strerror(errno)))); check the file")
                }
                break
            }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > 4_194_304 {
                throw ConfigIssue(source: .file(path, line: 0, column: 0), path: "", message: "larger than 4 MiB; is this the right file?")
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension ConfigIssue: Error {}

extension ConfigSource {
    /// Sort key: file positions first, in reading order, then environment and command line.
    var order: (Int, Int, Int, String) {
        switch self {
        case .file(_, let l, let c): (0, l, c, "")
        case .environment(let v): (1, 0, 0, v)
        case .commandLine(let o): (2, 0, 0, o)
        case .builtin: (3, 0, 0, "")
        }
    }
}
