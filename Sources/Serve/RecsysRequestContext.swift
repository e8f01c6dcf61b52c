import Hummingbird
import Logging

/// Per-request state: the request id (from `X-Request-ID` or generated).
public struct RecsysRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestID: String = ""

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}
