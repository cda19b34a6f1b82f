import CMicroHTTPD
import Glibc

// libmicrohttpd's callbacks, called on its own threads. They are plain functions at
// file scope, never closures formed in a main-actor context: such a closure would be
// main-actor code and crash when called from another thread.

private func engine(_ context: UnsafeMutableRawPointer?) -> Engine {
    Unmanaged<Engine>.fromOpaque(context!).takeUnretainedValue()
}

func requestStarted(
    context: UnsafeMutableRawPointer?,
    uri: UnsafePointer<CChar>?,
    connection: OpaquePointer?
) -> UnsafeMutableRawPointer? {
    let request = engine(context).requestStarted(
        target: uri.map { String(cString: $0) } ?? "",
        connection: ConnectionHandle(pointer: connection!)
    )
    return Unmanaged.passRetained(request).toOpaque()
}

func handleAccess(
    context: UnsafeMutableRawPointer?,
    connection: OpaquePointer?,
    url: UnsafePointer<CChar>?,
    method: UnsafePointer<CChar>?,
    version: UnsafePointer<CChar>?,
    uploadData: UnsafePointer<CChar>?,
    uploadDataSize: UnsafeMutablePointer<Int>?,
    requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
) -> MHD_Result {
    guard let connection, let uploadDataSize, let state = requestContext?.pointee else { return .NO }
    let request = Unmanaged<InFlightRequest>.fromOpaque(state).takeUnretainedValue()
    return engine(context).access(
        ConnectionHandle(pointer: connection),
        request,
        method: method.map { String(cString: $0) } ?? "",
        upload: UnsafeRawBufferPointer(start: uploadData, count: uploadData == nil ? 0 : uploadDataSize.pointee),
        uploadSize: uploadDataSize
    )
}

func requestCompleted(
    context: UnsafeMutableRawPointer?,
    connection: OpaquePointer?,
    requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    termination: MHD_RequestTerminationCode
) {
    guard let connection, let state = requestContext?.pointee else { return }
    requestContext?.pointee = nil
    Unmanaged<InFlightRequest>.fromOpaque(state).release()
    engine(context).requestCompleted(ConnectionHandle(pointer: connection))
}

func connectionChanged(
    context: UnsafeMutableRawPointer?,
    connection: OpaquePointer?,
    socketContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    change: MHD_ConnectionNotificationCode
) {
    guard let connection else { return }
    let handle = ConnectionHandle(pointer: connection)
    switch change {
    case .CONNECTION_NOTIFY_STARTED:
        engine(context).registry.opened(handle, socket: elm_mhd_connection_fd(connection), now: Engine.now)
    case .CONNECTION_NOTIFY_CLOSED:
        engine(context).registry.closed(handle)
    default:
        break
    }
}

func logEngineMessage(context: UnsafeMutableRawPointer?, format: UnsafePointer<CChar>?, arguments: CVaListPointer?) {
    guard let format, let arguments else { return }
    var buffer = [CChar](repeating: 0, count: 512)
    vsnprintf(&buffer, buffer.count, format, arguments)
    let message = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    engine(context).responder.engineDidLog(message.trimmingTrailingNewlines())
}

func collectHeader(
    context: UnsafeMutableRawPointer?,
    kind: MHD_ValueKind,
    name: UnsafePointer<CChar>?,
    value: UnsafePointer<CChar>?
) -> MHD_Result {
    guard let context, let name else { return .YES }
    let fields = context.assumingMemoryBound(to: [(name: String, value: String)].self)
    fields.pointee.append((String(cString: name), value.map { String(cString: $0) } ?? ""))
    return .YES
}

extension String {
    fileprivate func trimmingTrailingNewlines() -> String {
        var text = Substring(self)
        while text.last?.isNewline == true { text = text.dropLast() }
        return String(text)
    }
}
