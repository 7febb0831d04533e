// Type declarations for use-stream.js, the React hook around stream-client.js.

import type {
  ClientOperation, EpochChange, RecoveryFailure, StreamClient, StreamClientOptions, StreamMessage, StreamState,
} from './stream-client.js';

export interface UseStreamOptions<D = Record<string, unknown>> {
  url: string;
  /** No token: nothing connects (status 'idle'). A new token refreshes the live session. */
  token: string | null | undefined;
  /** Channels and patterns; omitted: everything the token allows. */
  channels?: string[];
  onMessage?: (message: StreamMessage<D>) => void;
  onRecoveryFailed?: (failure: RecoveryFailure) => void;
  onEpochChange?: (change: EpochChange) => void;
  /** How many messages messageHistory keeps (default 100). */
  historySize?: number;
  /** More StreamClient options (read when the client is created). */
  clientOptions?: Partial<StreamClientOptions>;
}

export interface UseStreamResult<D = Record<string, unknown>> {
  isConnected: boolean;
  lastMessage: StreamMessage<D> | null;
  messageHistory: StreamMessage<D>[];
  status: StreamState;
  send: (op: ClientOperation) => number | string | null;
  subscribe: (channels: string[]) => number | string | null;
  unsubscribe: (channels: string[]) => number | string | null;
  recoveryFailures: RecoveryFailure[];
  client: StreamClient | null;
}

export function useStream<D = Record<string, unknown>>(options: UseStreamOptions<D>): UseStreamResult<D>;
