import Foundation

/// The repository the tests run from, for the files they read or run: the guide,
/// the scripts.
public enum Repository {
    /// The repository's root folder, found from this file's place in it.
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The file at `path`, relative to the root (`docs/integration.md`).
    public static func file(_ path: String) -> URL {
        root.appendingPathComponent(path)
    }
}

/// `docs/integration.md` as its tests read it: its fenced code blocks, and the values
/// of its worked signing example, so that neither can drift from what the tests check.
///
/// A code block's info string is its language and then `key=value` words: `test=create`
/// says how the tests run it (`sh test=create`, `python test=callback-receiver`).
public struct IntegrationGuide: Sendable {
    /// One fenced code block.
    public struct CodeBlock: Sendable, CustomStringConvertible {
        /// The first word of the info string (`sh`, `python`, `javascript`, `json`).
        public let language: String
        /// The `key=value` words after the language.
        public let attributes: [String: String]
        /// The lines between the fences, each ending in a newline.
        public let code: String
        /// The line of the opening fence, counted from 1, to name the block in messages.
        public let line: Int

        /// How the tests run the block (`attributes["test"]`).
        public var test: String? { attributes["test"] }

        /// The block as a test message names it: its language and line.
        public var description: String { "the \(language) block at docs/integration.md:\(line)" }
    }

    /// The guide's path in the repository.
    public static let path = "docs/integration.md"

    /// Every fenced code block, in order.
    public let blocks: [CodeBlock]
    /// The worked example's table: each row's first cell (without backticks) to the
    /// first code span of its second cell (`Secret` → `sk_test_…`).
    public let workedExample: [String: String]

    /// The guide as it is in the repository.
    public static func load() throws -> IntegrationGuide {
        IntegrationGuide(text: try String(contentsOf: Repository.file(path), encoding: .utf8))
    }

    /// The guide whose Markdown is `text`.
    public init(text: String) {
        let lines = text.components(separatedBy: "\n")
        blocks = Self.codeBlocks(in: lines)
        workedExample = Self.workedExample(in: lines)
    }

    private static func codeBlocks(in lines: [String]) -> [CodeBlock] {
        var blocks: [CodeBlock] = []
        var opening: (info: [Substring], line: Int)?
        var code = ""
        for (index, line) in lines.enumerated() {
            guard line.hasPrefix("```") else {
                if opening != nil { code += line + "\n" }
                continue
            }
            if let (info, line) = opening {
                let attributes = info.dropFirst().reduce(into: [String: String]()) { attributes, word in
                    let parts = word.split(separator: "=", maxSplits: 1)
                    attributes[String(parts[0])] = parts.count == 2 ? String(parts[1]) : ""
                }
                blocks.append(
                    CodeBlock(language: String(info.first ?? ""), attributes: attributes, code: code, line: line))
                opening = nil
            } else {
                opening = (line.dropFirst(3).split(separator: " "), index + 1)
                code = ""
            }
        }
        return blocks
    }

    /// The table of the section headed `Worked example`.
    private static func workedExample(in lines: [String]) -> [String: String] {
        guard let start = lines.firstIndex(where: { $0.hasPrefix("#") && $0.hasSuffix(" Worked example") }) else {
            return [:]
        }
        var values: [String: String] = [:]
        for line in lines[(start + 1)...] {
            if line.hasPrefix("#") { break }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4, let value = firstCodeSpan(in: cells[2]) else { continue }
            values[cells[1].replacingOccurrences(of: "`", with: "")] = value
        }
        return values
    }

    private static func firstCodeSpan(in text: String) -> String? {
        let parts = text.split(separator: "`", omittingEmptySubsequences: false)
        return parts.count >= 3 ? String(parts[1]) : nil
    }
}
