import Foundation

/// The path of the Python tool `name` (`schemathesis`, `python` with selenium), installed
/// under `.build/` by `scripts/install-python-tools`, which `make test` runs first; here it is
/// quick when already done.
public func pythonTool(_ name: String) async throws -> String {
    let installed = try await runProgram(
        Repository.file("scripts/install-python-tools").path, [], timeoutSeconds: 300)
    guard installed.status == 0 else {
        throw TestSupportError("scripts/install-python-tools failed: \(installed.standardError)")
    }
    return installed.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) + "/" + name
}
