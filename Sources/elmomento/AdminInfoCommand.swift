import ElMomentoCore

/// `elmomento admin info`: which database this is, its environment and schema version.
enum AdminInfoCommand {
    static let command = Command(
        spec: CommandSpec(
            words: ["admin", "info"],
            summary: "Show the database's environment and schema version.",
            arguments: [],
            options: StoreOptions.specs + [StoreOptions.jsonSpec]
        ),
        run: run
    )

    private static func run(_ arguments: ParsedArguments) throws -> Int32 {
        let store = try StoreOptions.open(arguments)
        if arguments.has("json") {
            let info: JSONValue = .object([
                ("database", .string(store.path)),
                ("environment", .string(store.environment.rawValue)),
                ("schema_version", .integer(store.schemaVersion)),
            ])
            print(String(decoding: info.encoded(), as: UTF8.self))
        } else {
            print("database        \(store.path)")
            print("environment     \(store.environment.rawValue)")
            print("schema version  \(store.schemaVersion)")
        }
        return 0
    }
}
