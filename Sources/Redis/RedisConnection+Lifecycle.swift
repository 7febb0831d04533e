import NetCore

/// Connect, handshake, lose, back off, reconnect.
extension RedisConnection {
    func connect() {
        phase = .connecting
        setState(.connecting)
        guard phase == .connecting else { return }  // the observer closed us
        let address = endpoint.addresses[connectAttempts % endpoint.addresses.count]
        connectAttempts += 1
        let progress: ConnectProgress
        do {
            let started = try Connector.startConnect(to: address)
            fd = started.fd
            progress = started.progress
            try loop.register(fd: fd, handler: self)
        } catch {
            return connectionLost("\(error)")
        }
        let generation = generation
        connectTimer = loop.schedule(afterNanoseconds: options.connectTimeout.nanoseconds) { [weak self] in
            guard let self, self.generation == generation else { return }
            self.connectTimer = nil
            self.connectionLost("not ready within \(self.options.connectTimeout) s of connecting to \(address)")
        }
        if progress == .connected { socketConnected() }
    }

    /// The socket became writable while connecting: SO_ERROR says how it went.
    func finishConnect() {
        let address = endpoint.addresses[(connectAttempts - 1) % endpoint.addresses.count]
        if let error = Socket.pendingError(fd, connectingTo: address) { return connectionLost("\(error)") }
        socketConnected()
    }

    private func socketConnected() {
        phase = .handshaking
        var login: [String] = []
        if let password = endpoint.password {
            login = ["AUTH"] + (endpoint.username.map { [$0] } ?? []) + [password]
        }
        let select = endpoint.database == 0 ? [] : ["SELECT", String(endpoint.database)]
        handshake(steps: [login, select].filter { !$0.isEmpty }[...])
    }

    /// AUTH and SELECT one after the other: a refused password must stop the
    /// handshake before anything else reaches the server.
    private func handshake(steps: ArraySlice<[String]>) {
        guard let step = steps.first else { return runHook() }
        let generation = generation
        enqueue(step.map { Array($0.utf8) }, .reply { [weak self] result in
            guard let self, self.generation == generation else { return }
            switch result {
            case .success(.error(let message)):
                // Never echo AUTH's arguments: they hold the password.
                self.connectionLost("\(step[0]) refused: \(message)")
            case .success: self.handshake(steps: steps.dropFirst())
            case .failure: break  // connectionLost already ran
            }
        })
    }

    private func runHook() {
        guard let hook = onConnected else { return resubscribe() }
        let generation = generation
        var answered = false
        hook(self) { [weak self] result in
            guard let self, self.generation == generation, self.phase == .handshaking, !answered else { return }
            answered = true
            switch result {
            case .success: self.resubscribe()
            case .failure(let error): self.connectionLost("onConnected failed: \(error)")
            }
        }
    }

    /// Re-sends the remembered subscriptions; ready once all are confirmed.
    private func resubscribe() {
        subscriptionsSent = true
        let commands = [("SUBSCRIBE", channels.names), ("PSUBSCRIBE", patterns.names)].filter { !$0.1.isEmpty }
        guard !commands.isEmpty else { return becomeReady() }
        let generation = generation
        var outstanding = commands.count
        for (command, names) in commands {
            sendSubscription(command, names) { [weak self] result in
                guard let self, self.generation == generation else { return }
                switch result {
                case .success:
                    outstanding -= 1
                    if outstanding == 0 { self.becomeReady() }
                case .failure(.server(let message)): self.connectionLost("\(command) refused: \(message)")
                case .failure: break
                }
            }
        }
    }

    private func becomeReady() {
        if let connectTimer { loop.cancel(connectTimer) }
        connectTimer = nil
        backoff.reset()
        phase = .ready
        armHealthCheck()
        let waiters = subscriptionWaiters
        subscriptionWaiters = []
        setState(.ready)
        for waiter in waiters { waiter(.success(())) }
    }

    /// The one way down from a live socket: close it, fail what waits, say
    /// so, and schedule the next attempt.
    func connectionLost(_ reason: String) {
        guard phase == .connecting || phase == .handshaking || phase == .ready else { return }
        tearDownSocket()
        phase = .waiting
        let failed = pending.takeAll()
        let delay = backoff.nextDelay()
        reconnectTimer = loop.schedule(afterNanoseconds: delay.nanoseconds) { [weak self] in
            guard let self, self.phase == .waiting else { return }
            self.reconnectTimer = nil
            self.connect()
        }
        setState(.disconnected(reason))
        for entry in failed { entry.fail(.disconnected(reason)) }
    }

    /// Closes the socket and forgets everything tied to it; state and
    /// pending completions are the caller's business.
    func tearDownSocket() {
        generation &+= 1
        if fd >= 0 {
            loop.deregister(fd: fd)
            Socket.close(fd)
            fd = -1
        }
        for timer in [connectTimer, replyTimer, healthTimer].compactMap({ $0 }) { loop.cancel(timer) }
        connectTimer = nil
        replyTimer = nil
        healthTimer = nil
        outbound.removeAll(keepingCapacity: outbound.capacity <= 1 << 20)
        outboundOffset = 0
        parser = RESPParser()
        subscriberMode = false
        subscriptionsSent = false
    }
}
