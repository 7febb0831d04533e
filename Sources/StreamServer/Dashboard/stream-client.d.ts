// Type declarations for stream-client.js (the streamd wire protocol 1.1).

/** One stream message. `epoch` is absent from servers before wire format 1.1. */
export interface StreamMessage<D = Record<string, unknown>> {
  type: 'tick' | 'signal' | 'order_update' | 'idea' | 'prepared_payload' | string;
  channel: string;
  seq: number;
  epoch?: string;
  timestamp: string;
  data: D;
}

export interface TickData { symbol: string; bid: number; ask: number; spread: number; [key: string]: unknown }

export type RecoveryFailedReason =
  | 'epoch_changed' | 'history_unavailable' | 'gap' | 'not_subscribed' | 'recovery_limit' | string;

/** A `recovery_failed` notice (or one the client made for an unannounced epoch change: detected 'message'). */
export interface RecoveryFailure {
  channel: string;
  reason: RecoveryFailedReason;
  since?: number | null;
  since_epoch?: string | null;
  epoch?: string | null;
  last_seq?: number | null;
  replay_from?: number | null;
  detected?: 'message';
  [key: string]: unknown;
}

export interface EpochChange { channel: string; oldEpoch: string; newEpoch: string; lastSeq: number }

export type StreamState = 'idle' | 'connecting' | 'open' | 'connected' | 'reconnecting' | 'closed';

export type CloseReason =
  | 'client' | 'token_expired' | 'permission_withdrawn' | 'upgrade_refused' | 'unauthorized' | 'forbidden' | 'no_websocket';

export interface StateEvent {
  state: StreamState;
  attempt: number;
  delayMs?: number;
  reason?: CloseReason | string;
  code?: number;
  status?: number | null;
  detail?: string;
  session?: string;
  subject?: string;
}

export interface Welcome {
  session: string;
  subject: string;
  expires_at: string;
  heartbeat_s: number;
  channels: string[];
  [key: string]: unknown;
}

export interface Subscribed { channels: string[]; denied: Array<{ channel: string; reason: string }>; id?: number | string }

export interface ClientError {
  kind: 'socket' | 'parse' | 'server' | 'heartbeat_timeout' | 'listener';
  code?: string;
  message?: string;
  id?: number | string;
  status?: number | null;
  opened?: boolean;
  error?: unknown;
  event?: string;
}

/** A server message that is not a stream message: ack, refreshed, ... */
export interface ControlMessage { type: string; id?: number | string; timestamp?: string; data?: Record<string, unknown> }

export interface ClientOperation { type: string; id?: number | string; [key: string]: unknown }

export interface Position { epoch: string | null; seq: number }

export interface Backoff { initialMs: number; factor: number; maxMs: number }

/** The constructor a WebSocket implementation must have. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[], options?: Record<string, unknown>) => unknown;

export interface StreamClientOptions {
  url: string;
  token?: string;
  channels?: string[];
  channelsFromWelcome?: boolean;
  heartbeatMs?: number;
  backoff?: Partial<Backoff>;
  stableMs?: number;
  historyLimit?: number;
  maxFailedUpgrades?: number;
  resumeChannel?: (channel: string) => boolean;
  onRecoveryFailed?: (failure: RecoveryFailure) => void;
  onEpochChange?: (change: EpochChange) => void;
  /** Browser: defaults to globalThis.WebSocket. Node: the ws package is loaded. */
  WebSocketImpl?: WebSocketConstructor;
  /** Node (ws): PEM of the CA to trust. */
  ca?: string | Uint8Array;
  /** Node (ws): more client options (headers are merged; Authorization is set from the token). */
  wsOptions?: Record<string, unknown>;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (id: unknown) => void;
  now?: () => number;
  random?: () => number;
}

export interface StreamClientEvents {
  message: StreamMessage;
  state: StateEvent;
  welcome: Welcome;
  subscribed: Subscribed;
  unsubscribed: { channels: string[]; reason?: string; id?: number | string };
  recovery_failed: RecoveryFailure;
  epoch_change: EpochChange;
  control: ControlMessage;
  error: ClientError;
}

export class StreamClient {
  constructor(options: StreamClientOptions);
  readonly url: string;
  token: string;
  state: StreamState;
  isConnected: boolean;
  lastMessage: StreamMessage | null;
  messageHistory: StreamMessage[];
  welcome: Welcome | null;
  positions: Map<string, Position>;
  /** Last seq per channel (a copy made from positions). */
  readonly lastSeq: Map<string, number>;
  epochsSeen: boolean;
  subscribed: string[];
  denied: Array<{ channel: string; reason: string }>;
  recoveryFailures: RecoveryFailure[];
  epochChanges: EpochChange[];

  on<E extends keyof StreamClientEvents>(event: E, listener: (payload: StreamClientEvents[E]) => void): () => void;
  off<E extends keyof StreamClientEvents>(event: E, listener: (payload: StreamClientEvents[E]) => void): void;
  connect(): void;
  close(code?: number, reason?: string): void;
  setToken(token: string): void;
  refresh(token: string): number | string | null;
  /** Sends one client operation; its id, or null when not connected. */
  send(op: ClientOperation): number | string | null;
  subscribe(channels: string[]): number | string | null;
  unsubscribe(channels: string[]): number | string | null;
  subscribeRequest(patterns: string[]): { type: 'subscribe'; channels: string[]; since?: Record<string, unknown> };
  nextDelay(): number;
}

/** Whether subscription `pattern` (exact, or ending in `*`) covers `channel`. */
export function matches(pattern: string, channel: string): boolean;

/** Node.js: the ws package's WebSocket (node_modules, NODE_PATH or /usr/share/nodejs). */
export function loadNodeWebSocket(): Promise<WebSocketConstructor>;
