/// One page of a list, and where the next one starts.
struct Page<Element: Sendable>: Sendable {
    let items: [Element]
    /// The cursor of the next page; `nil` on the last one.
    let nextCursor: String?
}

/// The items of a list across all its pages, fetched one page at a time as they are read.
///
/// Each page's `next_cursor` asks for the next one (SPEC 3.4), so a list that is read only
/// in part costs only the pages read. Stop early with `break`, or take a prefix.
public struct ElMomentoPages<Element: Sendable>: AsyncSequence, Sendable {
    /// Reading a page fails with the error of the request that fetched it.
    public typealias Failure = any Error

    private let fetch: @Sendable (_ cursor: String?) async throws -> Page<Element>
    private let firstCursor: String?

    init(
        startingAt firstCursor: String? = nil,
        fetch: @escaping @Sendable (_ cursor: String?) async throws -> Page<Element>
    ) {
        self.firstCursor = firstCursor
        self.fetch = fetch
    }

    /// An iterator from the first page.
    public func makeAsyncIterator() -> Iterator {
        Iterator(fetch: fetch, cursor: firstCursor)
    }

    /// Reads the list in order, fetching the next page when the current one is used up.
    public struct Iterator: AsyncIteratorProtocol {
        private let fetch: @Sendable (_ cursor: String?) async throws -> Page<Element>
        private var cursor: String?
        private var buffered: [Element] = []
        private var nextIndex = 0
        private var isFinished = false

        init(
            fetch: @escaping @Sendable (_ cursor: String?) async throws -> Page<Element>,
            cursor: String?
        ) {
            self.fetch = fetch
            self.cursor = cursor
        }

        /// The next item, or `nil` after the last page's last item.
        public mutating func next() async throws -> Element? {
            while nextIndex == buffered.count {
                guard !isFinished else { return nil }
                let page = try await fetch(cursor)
                // A cursor that does not move would ask for the same page forever.
                guard page.nextCursor == nil || page.nextCursor != cursor else {
                    throw ElMomentoError(
                        kind: .invalidResponse, status: nil, code: ElMomentoError.invalidResponseCode,
                        message: "The gateway returned the same next_cursor twice.")
                }
                buffered = page.items
                nextIndex = 0
                cursor = page.nextCursor
                isFinished = page.nextCursor == nil
            }
            defer { nextIndex += 1 }
            return buffered[nextIndex]
        }
    }
}
