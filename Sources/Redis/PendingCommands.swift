/// What waits for the next reply(ies) on a connection, oldest first.
struct PendingCommand {
    enum Waiter {
        /// One command, one reply.
        case reply((Result<RESPValue, RedisError>) -> Void)
        /// (P)SUBSCRIBE / (P)UNSUBSCRIBE: one confirmation per channel named.
        case subscription(remaining: Int, completion: ((Result<Void, RedisError>) -> Void)?)
    }

    var waiter: Waiter
    /// MonotonicClock time it was queued, for the reply timeout.
    let queuedAt: UInt64

    func fail(_ error: RedisError) {
        switch waiter {
        case .reply(let completion): completion(.failure(error))
        case .subscription(_, let completion): completion?(.failure(error))
        }
    }
}

/// A FIFO of pending commands: an array with a moving head, so popping the
/// oldest is O(1) and a pipeline of 100 000 commands costs no shuffling.
struct PendingCommands {
    private var entries: [PendingCommand] = []
    private var head = 0

    var count: Int { entries.count - head }
    var isEmpty: Bool { head == entries.count }
    var first: PendingCommand? { isEmpty ? nil : entries[head] }

    mutating func append(_ entry: PendingCommand) { entries.append(entry) }

    mutating func replaceFirst(_ entry: PendingCommand) { entries[head] = entry }

    mutating func popFirst() -> PendingCommand? {
        guard !isEmpty else { return nil }
        let entry = entries[head]
        head += 1
        if head == entries.count {
            entries.removeAll(keepingCapacity: entries.count <= 4096)
            head = 0
        } else if head >= 4096, head * 2 >= entries.count {
            entries.removeFirst(head)
            head = 0
        }
        return entry
    }

    /// Empties the queue and returns what was in it, oldest first.
    mutating func takeAll() -> ArraySlice<PendingCommand> {
        let taken = entries[head...]
        entries = []
        head = 0
        return taken
    }
}
