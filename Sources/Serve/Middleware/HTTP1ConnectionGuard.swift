import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// Thrown into a request's body when no part of it arrived for the read
/// timeout; `JSONErrorMiddleware` answers 408 and the connection closes.
struct RequestBodyTimeout: Error {}

/// A NIO handler between the HTTP/1 decoder and Hummingbird's codec, for
/// what the decoder knows and Hummingbird's `HTTPRequest` no longer does
/// (the protocol version). Per request it costs a few header checks and, while
/// a body is being read, one scheduled timer.
/// - A request that does not keep the connection alive (`HTTP/1.0` without
///   `Connection: keep-alive`, or any `Connection: close` spelling) is
///   passed on as `Connection: close`, the one form Hummingbird checks before
///   closing after the response; the response says `Connection: close` too.
/// - A body with no bytes for `bodyTimeout` fails with `RequestBodyTimeout`
///   (the idle timeout would otherwise close the socket without an answer).
final class HTTP1ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let bodyTimeout: TimeAmount
    /// The `Connection` value each response still to be written carries (nil: none added).
    private var pendingConnectionHeaders: [String?] = []
    private var bodyTimer: Scheduled<Void>?

    init(bodyTimeout: TimeAmount) { self.bodyTimeout = bodyTimeout }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(var head):
            if !head.isKeepAlive {
                head.headers.replaceOrAdd(name: "connection", value: "close")
                pendingConnectionHeaders.append("close")
            } else {
                pendingConnectionHeaders.append(head.version == .http1_0 ? "keep-alive" : nil)
            }
            scheduleBodyTimer(context)
            context.fireChannelRead(wrapInboundOut(.head(head)))
        case .body:
            scheduleBodyTimer(context)
            context.fireChannelRead(data)
        case .end:
            cancelBodyTimer()
            context.fireChannelRead(data)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .head(var head) = unwrapOutboundIn(data), !pendingConnectionHeaders.isEmpty else {
            context.write(data, promise: promise)
            return
        }
        if let value = pendingConnectionHeaders.removeFirst() {
            head.headers.replaceOrAdd(name: "connection", value: value)
        }
        context.write(wrapOutboundOut(.head(head)), promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelBodyTimer()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { cancelBodyTimer() }

    private func scheduleBodyTimer(_ context: ChannelHandlerContext) {
        cancelBodyTimer()
        bodyTimer = context.eventLoop.assumeIsolated().scheduleTask(in: bodyTimeout) { [self] in
            bodyTimer = nil
            context.fireErrorCaught(RequestBodyTimeout())
        }
    }

    private func cancelBodyTimer() {
        bodyTimer?.cancel()
        bodyTimer = nil
    }
}

/// Hummingbird's HTTP/1 channel with `HTTP1ConnectionGuard` added right
/// after NIO's request decoder.
struct GuardedHTTP1Channel: ServerChildChannel {
    let base: HTTP1Channel
    let bodyTimeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(HTTP1ConnectionGuard(bodyTimeout: bodyTimeout), position: .after(decoder))
            return value
        }
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with `HTTP1ConnectionGuard`.
    static func guardedHTTP1(configuration: HTTP1Channel.Configuration, bodyTimeout: TimeAmount) -> HTTPServerBuilder {
        .init { responder in
            GuardedHTTP1Channel(
                base: HTTP1Channel(responder: responder, configuration: configuration), bodyTimeout: bodyTimeout)
        }
    }
}
