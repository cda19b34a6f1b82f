import Glibc

// Synchronous on purpose: `serve` blocks SIGTERM before any thread exists, so that
// every thread inherits the mask and the main thread alone receives it with sigwait.
exit(CommandLineInterface.run(Array(CommandLine.arguments.dropFirst())))
