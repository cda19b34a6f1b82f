/// A mistake in what the operator asked: told on standard error with exit status 2.
struct UsageError: Error {
    let message: String
    /// Whether pointing at `--help` helps: not when the arguments were well formed but
    /// name something unusable, such as a database of the other environment.
    var suggestsHelp = true
}

/// One `--name` option a command takes; `valueName` is `nil` for a flag.
struct OptionSpec: Sendable {
    let name: String
    let valueName: String?
    let help: String
}

/// A command's words, arguments and options, from which its parser and help are made.
struct CommandSpec: Sendable {
    let words: [String]
    let summary: String
    let arguments: [String]
    let options: [OptionSpec]

    var usage: String {
        (["elmomento"] + words + arguments.map { "<\($0)>" } + (options.isEmpty ? [] : ["[options]"])).joined(
            separator: " ")
    }

    var help: String {
        let shown = options + [OptionSpec(name: "help", valueName: nil, help: "Show this help.")]
        let width = shown.map { optionLabel($0).count }.max() ?? 0
        let optionLines = shown.map { option in
            let label = optionLabel(option)
            return "  " + label + String(repeating: " ", count: width - label.count + 2) + option.help
        }
        return (["Usage: \(usage)", "", summary, "", "Options:"] + optionLines).joined(separator: "\n")
    }

    private func optionLabel(_ option: OptionSpec) -> String {
        "--\(option.name)" + (option.valueName.map { " \($0)" } ?? "")
    }

    /// Parses what follows the command's words: options in any order, as `--name value`
    /// or `--name=value`, among the positional arguments. `nil` means `--help` was asked.
    func parse(_ tokens: [String]) throws(UsageError) -> ParsedArguments? {
        var parsed = ParsedArguments()
        var index = 0
        while index < tokens.count {
            let token = tokens[index]
            index += 1
            if token == "--help" || token == "-h" { return nil }
            guard token.hasPrefix("--") else {
                parsed.positionals.append(token)
                continue
            }
            let body = token.dropFirst(2)
            let name = String(body.prefix { $0 != "=" })
            guard let option = options.first(where: { $0.name == name }) else {
                throw UsageError(message: "unknown option --\(name)")
            }
            // A second value would silently replace the first: lists are comma-separated.
            guard parsed.values[name] == nil && !parsed.flags.contains(name) else {
                throw UsageError(message: "--\(name) is given twice")
            }
            if option.valueName == nil {
                guard !body.contains("=") else { throw UsageError(message: "--\(name) takes no value") }
                parsed.flags.insert(name)
            } else if let equals = body.firstIndex(of: "=") {
                parsed.values[name] = String(body[body.index(after: equals)...])
            } else {
                guard index < tokens.count else { throw UsageError(message: "--\(name) needs a value") }
                parsed.values[name] = tokens[index]
                index += 1
            }
        }
        guard parsed.positionals.count == arguments.count else {
            if parsed.positionals.count < arguments.count {
                throw UsageError(message: "missing <\(arguments[parsed.positionals.count])>")
            }
            throw UsageError(message: "unexpected argument \"\(parsed.positionals[arguments.count])\"")
        }
        return parsed
    }
}

/// What a command was given.
struct ParsedArguments {
    var positionals: [String] = []
    var values: [String: String] = [:]
    var flags: Set<String> = []

    func has(_ flag: String) -> Bool { flags.contains(flag) }

    func string(_ name: String) -> String? { values[name] }

    /// The whole number given for `--name`, which must lie in `range`.
    func integer(_ name: String, in range: ClosedRange<Int>) throws(UsageError) -> Int? {
        guard let text = values[name] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw UsageError(
                message:
                    "--\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not \"\(text)\"")
        }
        return value
    }

    /// The positive number of seconds given for `--name` (fractions allowed).
    func seconds(_ name: String) throws(UsageError) -> Double? {
        guard let text = values[name] else { return nil }
        guard let value = Double(text), value > 0, value <= 86_400 else {
            throw UsageError(
                message: "--\(name) must be a number of seconds above 0 and at most 86400, not \"\(text)\"")
        }
        return value
    }

    /// The value of `--name`, which must be one of `Choice`'s raw values.
    func choice<Choice: RawRepresentable & CaseIterable>(_ name: String, of type: Choice.Type) throws(UsageError)
        -> Choice?
    where Choice.RawValue == String {
        guard let text = values[name] else { return nil }
        guard let value = Choice(rawValue: text) else {
            let allowed = Choice.allCases.map(\.rawValue).joined(separator: " or ")
            throw UsageError(message: "--\(name) must be \(allowed), not \"\(text)\"")
        }
        return value
    }
}
