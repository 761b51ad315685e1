// The fluentforward receiver: a TCP (or Unix socket) server speaking the Forward protocol, and on
// the same TCP port a UDP socket that echoes heartbeats, as contrib's. A connection is read one
// batch of events at a time: the events its bytes hold go to the pipeline, then each `chunk` is
// acknowledged; while the pipeline refuses, the connection is not read and nothing is
// acknowledged, so a client waiting for acks holds its buffer (the protocol's flow control).
// A malformed event closes the connection, as contrib does.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { bindUdp, Connections, type Consumers, type CreateSettings, listenOn, type Receiver } from '@flowtel/core';
import { type Entry, LogDelivery, RETRY_DEFAULTS } from '@flowtel/stanza';
import type { Config } from './config.ts';
import { ForwardError, type ForwardEvent, toEvent } from './forward.ts';
import { decode, encodeAck, MsgpackError, NeedMore } from './msgpack.ts';

/** bytes of one event at most: more is a client that will never finish one */
const MAX_EVENT_BYTES = 64 * 1024 * 1024;

export const METRICS = {
  opened: 'otelcol_fluent_opened_connections',
  closed: 'otelcol_fluent_closed_connections',
  parsed: 'otelcol_fluent_events_parsed',
  failures: 'otelcol_fluent_parse_failures',
  records: 'otelcol_fluent_records_generated',
} as const;

export class FluentForwardReceiver implements Receiver {
  private readonly settings: CreateSettings;
  private readonly config: Config;
  private readonly delivery: LogDelivery;
  private server?: Server;
  private heartbeat?: UdpSocket;
  private readonly connections = new Connections((socket) => this.connection(socket));
  private readonly counters;

  constructor(settings: CreateSettings, config: Config, consumers: Consumers) {
    this.settings = settings;
    this.config = config;
    // no retry keys in contrib's config: a refused batch waits for the pipeline while the receiver runs
    this.delivery = new LogDelivery(consumers.logs, RETRY_DEFAULTS, settings.logger, 'Fluent Forward events');
    const counter = (name: string, description: string) =>
      settings.meter.createUpDownCounter(name, { description, unit: '1' });
    this.counters = {
      opened: counter(METRICS.opened, 'Number of connections opened to the fluentforward receiver'),
      closed: counter(METRICS.closed, 'Number of connections closed to the fluentforward receiver'),
      parsed: counter(METRICS.parsed, 'Number of Fluent events parsed successfully'),
      failures: counter(METRICS.failures, 'Number of times Fluent messages failed to be decoded'),
      records: counter(METRICS.records, 'Number of log records generated from Fluent forward input'),
    };
  }

  async start(): Promise<void> {
    const server = createServer(this.connections.accept);
    this.server = server;
    const unix = this.config.endpoint.startsWith('unix://') ? this.config.endpoint.slice('unix://'.length) : undefined;
    await listenOn(server, unix ? { endpoint: unix, transport: 'unix' } : this.config.endpoint, 'fluentforward');
    server.on('error', (err) => this.settings.logger.error({ error: err.message }, 'fluentforward: accept failed'));
    const bound = unix ? undefined : (server.address() as { address: string; port: number });
    if (bound !== undefined) await this.startHeartbeat(bound.address, bound.port);
    this.settings.logger.info({ endpoint: this.config.endpoint, port: bound }, 'Starting fluentforward receiver');
  }

  /** fluentd's heartbeat over UDP on the TCP port: the byte sent is echoed back */
  private async startHeartbeat(host: string, port: number): Promise<void> {
    const udp = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    this.heartbeat = udp;
    await bindUdp(udp, port, host);
    udp.on('error', (err) => this.settings.logger.debug({ error: err.message }, 'fluentforward: heartbeat failed'));
    udp.on('message', (msg, rinfo) => {
      if (msg.length > 0) udp.send(msg.subarray(0, 1), rinfo.port, rinfo.address);
    });
  }

  private async connection(socket: Socket): Promise<void> {
    this.counters.opened.add(1);
    try {
      await this.read(socket);
    } catch (err) {
      this.settings.logger.debug({ error: (err as Error).message }, 'fluentforward: connection ended');
    } finally {
      this.counters.closed.add(1);
    }
  }

  private async read(socket: Socket): Promise<void> {
    let pending: Buffer = Buffer.alloc(0);
    for await (const chunk of socket) {
      pending = pending.length === 0 ? (chunk as Buffer) : Buffer.concat([pending, chunk as Buffer]);
      const events: ForwardEvent[] = [];
      let pos = 0;
      try {
        for (;;) {
          const [v, next] = decode(pending, pos);
          events.push(toEvent(v));
          pos = next;
          if (pos === pending.length) break;
        }
      } catch (err) {
        if (!(err instanceof NeedMore)) {
          this.counters.failures.add(1);
          const bad = err instanceof ForwardError || err instanceof MsgpackError || err instanceof RangeError;
          this.settings.logger.warn(
            { error: (err as Error).message, remote: socket.remoteAddress },
            bad ? 'fluentforward: malformed event, connection closed' : 'fluentforward: event failed',
          );
          await this.deliver(socket, events);
          return;
        }
      }
      pending = pending.subarray(pos);
      if (pending.length > MAX_EVENT_BYTES) {
        this.counters.failures.add(1);
        this.settings.logger.warn(
          { bytes: pending.length },
          'fluentforward: an event larger than 64 MiB, connection closed',
        );
        return;
      }
      if (!(await this.deliver(socket, events))) return;
    }
  }

  /** The events' records to the pipeline, then their chunks acknowledged; false when stopped first. */
  private async deliver(socket: Socket, events: ForwardEvent[]): Promise<boolean> {
    if (events.length === 0) return true;
    const entries: Entry[] = events.flatMap((e) => e.entries);
    this.counters.parsed.add(events.length);
    this.counters.records.add(entries.length);
    if (!(await this.delivery.send(entries))) return false;
    for (const e of events) if (e.chunk !== undefined && !socket.destroyed) socket.write(encodeAck(e.chunk));
    return true;
  }

  async shutdown(): Promise<void> {
    this.delivery.stop();
    const server = this.server;
    this.server = undefined;
    await this.connections.close(server);
    const udp = this.heartbeat;
    this.heartbeat = undefined;
    await new Promise<void>((resolve) => (udp ? udp.close(() => resolve()) : resolve()));
  }
}
