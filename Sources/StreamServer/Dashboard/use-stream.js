// use-stream.js: a React hook around stream-client.js — the streamd
// counterpart of the original system's `useWebSocket`.
//
//   const { isConnected, lastMessage, messageHistory } = useStream({
//     url: 'wss://stream.example:8443/ws', token,
//     channels: ['tick:EURUSD', 'order:acct-1'],
//     onMessage: (message) => console.log('Received:', message),
//   });
//
// Returns { isConnected, lastMessage, messageHistory, status, send,
// subscribe, unsubscribe } (plus recoveryFailures and client). One
// StreamClient lives as long as url, channels and historySize stay the same;
// a new token is handed to the live session (`refresh`) instead of
// reconnecting, so positions and history survive a token renewal.
// Without channels the client subscribes to everything the token allows
// (the channels listed in `welcome`).

import { useCallback, useEffect, useRef, useState } from 'react';
import { StreamClient } from './stream-client.js';

export function useStream(options) {
  const { url, token, channels, onMessage, onRecoveryFailed, onEpochChange, historySize = 100, clientOptions } = options || {};
  const [status, setStatus] = useState('idle');
  const [lastMessage, setLastMessage] = useState(null);
  const [messageHistory, setMessageHistory] = useState([]);
  const [recoveryFailures, setRecoveryFailures] = useState([]);
  const clientRef = useRef(null);
  const callbacks = useRef({ onMessage, onRecoveryFailed, onEpochChange });
  callbacks.current = { onMessage, onRecoveryFailed, onEpochChange };
  const tokenRef = useRef(token);
  const channelsKey = Array.isArray(channels) ? JSON.stringify(channels) : '';
  const hasToken = Boolean(token);

  useEffect(() => {
    if (!url || !hasToken) {
      setStatus('idle');
      return undefined;
    }
    const list = channelsKey ? JSON.parse(channelsKey) : null;
    const client = new StreamClient({
      ...(clientOptions || {}),
      url,
      token: tokenRef.current,
      channels: list || undefined,
      channelsFromWelcome: !list,
      historyLimit: historySize,
    });
    clientRef.current = client;
    const offs = [
      client.on('state', (s) => setStatus(s.state)),
      client.on('message', (message) => {
        setLastMessage(message);
        setMessageHistory((history) => {
          const next = history.length >= historySize ? history.slice(history.length - historySize + 1) : history.slice();
          next.push(message);
          return next;
        });
        callbacks.current.onMessage?.(message);
      }),
      client.on('recovery_failed', (failure) => {
        setRecoveryFailures((list) => [...list.slice(-(historySize - 1)), failure]);
        callbacks.current.onRecoveryFailed?.(failure);
      }),
      client.on('epoch_change', (change) => callbacks.current.onEpochChange?.(change)),
    ];
    client.connect();
    return () => {
      for (const off of offs) off();
      client.close();
      if (clientRef.current === client) clientRef.current = null;
    };
    // clientOptions are read once per client: pass a stable object.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [url, hasToken, channelsKey, historySize]);

  // A renewed token: refresh the live session, or use it on the next connect.
  useEffect(() => {
    if (token === tokenRef.current) return;
    tokenRef.current = token;
    const client = clientRef.current;
    if (!client || !token) return;
    if (client.isConnected) client.refresh(token);
    else client.setToken(token);
  }, [token]);

  const send = useCallback((op) => clientRef.current?.send(op) ?? null, []);
  const subscribe = useCallback((list) => clientRef.current?.subscribe(list) ?? null, []);
  const unsubscribe = useCallback((list) => clientRef.current?.unsubscribe(list) ?? null, []);

  return {
    isConnected: status === 'connected',
    lastMessage,
    messageHistory,
    status,
    send,
    subscribe,
    unsubscribe,
    recoveryFailures,
    client: clientRef.current,
  };
}
