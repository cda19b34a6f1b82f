import Glibc

/// A command: how it is written, and what it does with what it was given.
struct Command: Sendable {
    let spec: CommandSpec
    let run: @Sendable (ParsedArguments) throws -> Int32
}

/// `elmomento`'s commands, found by their leading words.
enum CommandLineInterface {
    static let commands: [Command] =
        [ServeCommand.command, AdminInfoCommand.command] + AdminMerchantCommands.commands
        + AdminLedgerCommands.commands + AdminOrderCommands.commands + AdminCallbackCommands.commands
        + ClientCommands.commands

    /// The command groups, described in the help of `elmomento` and of the group itself.
    static let groups: [(words: [String], summary: String)] = [
        (["admin"], "Operator commands on the gateway's database."),
        (["admin", "merchant"], "Provision merchants: create, change, disable and rotate their secrets."),
        (["admin", "ledger"], "Check the double-entry ledger."),
        (["admin", "order"], "Look at orders and move them through their lifecycle."),
        (["admin", "callbacks"], "Look at callbacks to merchants and send failed ones again."),
        (["client"], "A merchant's side of the API: orders, balance, events and signatures."),
        (["client", "deposit"], "Create, list and show your deposits."),
        (["client", "withdrawal"], "Create, list and show your withdrawals."),
    ]

    /// Runs the command `arguments` name and returns the exit status.
    static func run(_ arguments: [String]) -> Int32 {
        guard let command = commands.first(where: { arguments.starts(with: $0.spec.words) }) else {
            return groupHelp(for: arguments)
        }
        do {
            guard let parsed = try command.spec.parse(Array(arguments.dropFirst(command.spec.words.count))) else {
                print(command.spec.help)
                return 0
            }
            return try command.run(parsed)
        } catch let error as UsageError {
            printError("elmomento \(command.spec.words.joined(separator: " ")): \(error.message)")
            if error.suggestsHelp {
                printError("Run 'elmomento \(command.spec.words.joined(separator: " ")) --help' for usage.")
            }
            return 2
        } catch {
            printError("elmomento \(command.spec.words.joined(separator: " ")): \(error)")
            return 1
        }
    }

    /// Help for `elmomento` or a group: on standard output when asked for, otherwise on
    /// standard error with exit status 2.
    private static func groupHelp(for arguments: [String]) -> Int32 {
        let words = arguments.prefix { !$0.hasPrefix("-") }
        let asked = arguments.last == "--help" || arguments.last == "-h" || arguments == ["help"]
        let group = groups.first { words.elementsEqual($0.words) }
        let groupWords = group?.words ?? []
        guard words.isEmpty || group != nil || arguments == ["help"] else {
            printError("elmomento: unknown command \"\(words.joined(separator: " "))\"")
            printError("Run 'elmomento --help' for the list of commands.")
            return 2
        }
        let listed = commands.filter { $0.spec.words.starts(with: groupWords) }
        let width = listed.map(\.spec.usage.count).max() ?? 0
        var lines = [
            "Usage: elmomento \((groupWords + ["<command>"]).joined(separator: " ")) [options]", "",
            group?.summary ?? "ElMomento, a payment gateway: its server, operator and merchant commands.", "",
            "Commands:",
        ]
        for command in listed {
            lines.append(
                "  " + command.spec.usage + String(repeating: " ", count: width - command.spec.usage.count + 2)
                    + command.spec.summary)
        }
        lines += ["", "Run 'elmomento <command> --help' for a command's options."]
        if asked {
            print(lines.joined(separator: "\n"))
            return 0
        }
        printError(lines.joined(separator: "\n"))
        return 2
    }
}

func printError(_ message: String) {
    let line = Array((message + "\n").utf8)
    line.withUnsafeBytes { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
}
