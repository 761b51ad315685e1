// The compiled addon (native/, built by build-native.mjs) and why it may be missing.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { TCP_METRICS_LAYOUT } from '@flowtel/pdata';

// through the package, not import.meta.url: bundled into the collector this file has moved
const require = createRequire(import.meta.url);
const packageDir = `${dirname(dirname(require.resolve('@flowtel/ebpf-receiver')))}/`;
const addonPath = `${packageDir}build/Release/flowtel_ebpf.node`;
const unavailablePath = `${packageDir}build/unavailable.txt`;

/** Byte offsets of struct socket_event's fields (bpf/socket_trace.h), from the compiler. */
export interface EventLayout {
  timestamp_ns: number;
  socket_id: number;
  pid: number;
  tid: number;
  fd: number;
  byte_count: number;
  payload_length: number;
  local_port: number;
  remote_port: number;
  local_addr: number;
  remote_addr: number;
  kind: number;
  ip_version: number;
  l4_protocol: number;
  role: number;
  direction: number;
  flags: number;
  comm: number;
  header_size: number;
  comm_length: number;
  max_payload: number;
  /** the flags bit of TLS plaintext */
  flag_tls: number;
  /** byte offsets of struct tcp_metrics (bpf/tcp_metrics.h), the payload of TCP events, and its size */
  tcp: Record<keyof typeof TCP_METRICS_LAYOUT, number>;
}

export interface NativeCaptureOptions {
  selfPid: number;
  payloadLimit: number;
  ringBufferBytes: number;
  batchSize: number;
  pollIntervalMs: number;
  pidAllow: number[];
  pidDeny: number[];
  commAllow: string[];
  commDeny: string[];
  portAllow: number[];
  portDeny: number[];
  /** attach the TLS uprobes */
  tls: boolean;
  tlsPaths: string[];
  /** how often to look for new OpenSSL files, 0: only at start */
  tlsRescanMs: number;
  /** attach the tcp tracepoints (TCP events) */
  tcp: boolean;
  /** and tcp:tcp_probe, for zero windows */
  tcpZeroWindow: boolean;
}

/** Records back to back (8-byte aligned, timestamps already wall-clock) and their count. */
export type BatchHandler = (records: ArrayBuffer, count: number) => void;

export interface NativeCapture {
  /** Detaches, delivers what the ring still holds, then resolves. */
  stop(): Promise<void>;
  /** events handed to JS, events the kernel side could not store, TLS plaintext whose socket was unknown */
  stats(): { delivered: number; lost: number; tlsUnbound: number };
  /** the files the TLS uprobes are attached to */
  tlsTargets(): string[];
}

interface Addon {
  SocketCapture: new (options: NativeCaptureOptions, onBatch: BatchHandler) => NativeCapture;
  eventLayout: EventLayout;
}

/** Capture cannot start here: `code` for programs, the message says why and what to do. */
export class CaptureUnavailableError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'CaptureUnavailableError';
    this.code = code;
  }
}

/**
 * A kernel feature of a receiver could not start: rethrown when the receiver is `required` or
 * the failure is not about this machine's capabilities; otherwise warned about once, saying what
 * the receiver goes without, and returned for the receiver to keep (the rest of the collector runs).
 */
export function unavailableOrThrow(
  err: unknown,
  required: boolean,
  logger: { warn(obj: object, msg: string): void },
  id: string,
  without: string,
): CaptureUnavailableError {
  if (!(err instanceof CaptureUnavailableError) || required) throw err;
  logger.warn({ code: err.code }, `${id}: ${without} (the rest of the collector runs): ${err.message}`);
  return err;
}

let addon: Addon | undefined;

export function loadAddon(): Addon {
  if (addon) return addon;
  if (process.platform !== 'linux') throw new CaptureUnavailableError('NOT_LINUX', 'eBPF capture runs on Linux only');
  if (!existsSync(addonPath)) {
    const why = existsSync(unavailablePath) ? readFileSync(unavailablePath, 'utf8').trim() : 'its build has not run';
    throw new CaptureUnavailableError(
      'NOT_BUILT',
      `the eBPF capture addon is not built (${why}). As root, run \`npm start\` or \`npm run setup -w @flowtel/ebpf-receiver\` to build it.`,
    );
  }
  addon = require(addonPath) as Addon;
  return addon;
}

/** Loads and attaches the kernel programs; throws CaptureUnavailableError when it cannot. */
export function startNativeCapture(options: NativeCaptureOptions, onBatch: BatchHandler): NativeCapture {
  const { SocketCapture } = loadAddon();
  try {
    return new SocketCapture(options, onBatch);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') throw new CaptureUnavailableError(code, (err as Error).message);
    throw err;
  }
}
