// The typed example: the original's `useWebSocket` component, on useStream.
// Checked with `tsc --noEmit --strict` and rendered by the browser test.

import * as React from 'react';
import { useStream } from 'streamd/use-stream.js';
import type { StreamMessage, RecoveryFailure } from 'streamd/stream-client.js';

interface OrderUpdate {
  order_id: string;
  symbol?: string;
  status: string;
}

// A browser cannot tell a refused token from a server that is down (both are
// a failed upgrade); tolerate a few while a server restarts.
const CLIENT_OPTIONS = { maxFailedUpgrades: 8 } as const;

export interface ExampleProps {
  url: string;
  token: string;
  account: string;
}

export function OrdersExample({ url, token, account }: ExampleProps): React.ReactElement {
  const [received, setReceived] = React.useState<number>(0);
  const [failures, setFailures] = React.useState<RecoveryFailure[]>([]);
  const { isConnected, lastMessage, messageHistory, status } = useStream<OrderUpdate>({
    url,
    token,
    channels: [`order:${account}`],
    historySize: 50,
    clientOptions: CLIENT_OPTIONS,
    onMessage: (message: StreamMessage<OrderUpdate>) => {
      setReceived((n) => n + 1);
      console.log('Received:', message.channel, message.seq);
    },
    onRecoveryFailed: (failure) => setFailures((list) => [...list, failure]),
  });

  const orderIds: string[] = messageHistory.map((m) => m.data.order_id);
  return (
    <div id="example" data-status={status} data-connected={String(isConnected)} data-received={received}>
      <div id="status">Status: {isConnected ? 'Connected' : 'Disconnected'} ({status})</div>
      <div id="last">Last Message: {lastMessage ? `${lastMessage.data.order_id} ${lastMessage.data.status}` : '—'}</div>
      <ol id="history">
        {orderIds.map((id, i) => <li key={`${id}-${i}`}>{id}</li>)}
      </ol>
      <div id="failures">{failures.map((f) => `${f.channel}:${f.reason}`).join(',')}</div>
    </div>
  );
}
