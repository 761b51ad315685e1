// The agent's UDP servers (thrift_compact on 6831, thrift_binary on 6832): one emitBatch call
// per datagram. As contrib's udpserver: datagrams wait in a queue of queue_size for one of
// `workers` handlers; one that finds the queue full, or is larger than max_packet_size, is
// dropped. UDP has no answer to give, so every drop (and every datagram that does not decode or
// that the pipeline refuses) is counted and logged instead.
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { bindUdp, splitEndpoint, type CreateSettings } from '@flowtel/core';
import { BinaryReader, CompactReader } from '@flowtel/thrift';
import type { Counter } from '@opentelemetry/api';
import type { UdpConfig } from './config.ts';
import type { Ingest, Transport } from './ingest.ts';
import { decodeAgentMessage } from './thrift-batch.ts';
import { thriftBatchToTraces } from './translate.ts';

/** How often a kind of drop is logged at most: a flood must not become a flood of log lines. */
const LOG_EVERY_MS = 10_000;

export class UdpAgentServer {
  private readonly config: UdpConfig;
  private readonly transport: Extract<Transport, `udp_${string}`>;
  private readonly ingest: Ingest;
  private readonly logger: CreateSettings['logger'];
  private readonly dropped: Counter;
  private readonly receiverId: string;
  private readonly queue: Buffer[] = [];
  private readonly lastLogged = new Map<string, number>();
  private active = 0;
  /** datagrams taken off the socket, dropped or not */
  datagramsRead = 0;
  private socket?: Socket;
  private drained?: () => void;

  constructor(
    config: UdpConfig,
    transport: Extract<Transport, `udp_${string}`>,
    ingest: Ingest,
    settings: CreateSettings,
    dropped: Counter,
  ) {
    this.config = config;
    this.transport = transport;
    this.ingest = ingest;
    this.logger = settings.logger;
    this.receiverId = settings.id;
    this.dropped = dropped;
  }

  async start(): Promise<void> {
    const { host, port } = splitEndpoint(this.config.endpoint);
    const address = host === 'localhost' ? '127.0.0.1' : host;
    const socket = createSocket({
      type: isIPv6(address) ? 'udp6' : 'udp4',
      ...(this.config.socket_buffer_size > 0 ? { recvBufferSize: this.config.socket_buffer_size } : {}),
    });
    socket.on('message', (msg) => this.enqueue(msg));
    await bindUdp(socket, port, address).catch((err: Error) => {
      throw new Error(`jaeger receiver: failed to listen on ${this.config.endpoint}: ${err.message}`, { cause: err });
    });
    socket.on('error', (err) => this.logger.error({ err: err.message, transport: this.transport }, 'UDP socket error'));
    this.socket = socket;
  }

  get port(): number | undefined {
    return this.socket?.address().port;
  }

  /** SO_RCVBUF as the kernel set it (twice socket_buffer_size on Linux, for its bookkeeping) */
  get recvBufferSize(): number | undefined {
    return this.socket?.getRecvBufferSize();
  }

  private drop(reason: string, detail: Record<string, unknown>): void {
    this.dropped.add(1, { receiver: this.receiverId, transport: this.transport, reason });
    const now = Date.now();
    if (now - (this.lastLogged.get(reason) ?? 0) < LOG_EVERY_MS) return;
    this.lastLogged.set(reason, now);
    this.logger.warn({ transport: this.transport, reason, ...detail }, 'Dropped a Jaeger agent datagram');
  }

  private enqueue(msg: Buffer): void {
    this.datagramsRead++;
    if (msg.length > this.config.max_packet_size)
      return this.drop('too_large', { bytes: msg.length, max_packet_size: this.config.max_packet_size });
    if (this.queue.length >= this.config.queue_size)
      return this.drop('queue_full', { queue_size: this.config.queue_size });
    this.queue.push(msg);
    this.pump();
  }

  private pump(): void {
    while (this.active < this.config.workers && this.queue.length > 0) {
      const msg = this.queue.shift()!;
      this.active++;
      void this.handle(msg).finally(() => {
        this.active--;
        this.pump();
        if (this.active === 0 && this.queue.length === 0) this.drained?.();
      });
    }
  }

  private async handle(msg: Buffer): Promise<void> {
    let traces;
    try {
      const reader = this.transport === 'udp_thrift_compact' ? new CompactReader(msg) : new BinaryReader(msg);
      traces = thriftBatchToTraces(decodeAgentMessage(reader));
    } catch (err) {
      return this.drop('bad_thrift', { err: (err as Error).message, bytes: msg.length });
    }
    try {
      await this.ingest.consume(traces, this.transport);
    } catch (err) {
      // the pipeline counted the refused spans; the datagram is gone, as in contrib
      this.drop('refused', { err: (err as Error).message });
    }
  }

  async shutdown(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    this.socket = undefined;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    // what was taken off the socket is handed on before the receiver says it stopped
    if (this.active > 0 || this.queue.length > 0) await new Promise<void>((resolve) => (this.drained = resolve));
  }
}
