// contrib's tcp_input and udp_input operators: logs read from a socket, split into tokens as
// the file receiver splits a file, run through the receiver's operators and handed to the
// pipeline. Back-pressure is the protocol's own: a TCP connection is not read while the
// pipeline refuses its entries; UDP has none, so datagrams wait in a bounded queue and what
// overflows it is dropped, counted and logged.
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { lookupService } from 'node:dns/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Logger } from 'pino';
import {
  bindUdp,
  Connections,
  type Consumer,
  type CreateSettings,
  httpsServerOptions,
  listenOn,
  type Receiver,
  reloadServerTls,
  splitEndpoint,
  type TlsServerConfig,
} from '@flowtel/core';
import type { OperatorConfig } from './config.ts';
import { type Entry, newEntry, type ValueMap } from './entry.ts';
import { Pipeline } from './pipeline.ts';
import { Attributer, LogDelivery, type RetryConfig } from './receiver.ts';
import { type SplitOptions, Splitter } from './split.ts';

export interface SocketInputConfig extends SplitOptions {
  listen_address: string;
  add_attributes: boolean;
  one_log_per_packet: boolean;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  retry_on_failure: RetryConfig;
}

export interface SocketInputSettings {
  logger: Logger;
  consumer?: Consumer;
  /** the operators entries go through, the receiver's own first (the syslog parser) */
  operators: OperatorConfig[];
  /** where relative TLS file paths start */
  configDir: string;
  /** overrides the line splitting (RFC 6587 octet counting) */
  split?: (buf: Buffer, flush: boolean) => number[];
}

/** IPv4 clients of a dual-stack socket as Go prints them: 127.0.0.1, not ::ffff:127.0.0.1 */
const plainIp = (ip: string) => (ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip);

/** contrib's IPResolver: the host name of an address, cached; the address itself when it has none. */
class NameCache {
  private readonly names = new Map<string, Promise<string>>();
  name(ip: string): Promise<string> {
    let n = this.names.get(ip);
    if (!n) {
      // getnameinfo, as Go's resolver: /etc/hosts first, then DNS
      n = lookupService(ip, 1).then(
        (r) => r.hostname,
        () => ip,
      );
      this.names.set(ip, n);
      if (this.names.size > 10_000) this.names.delete(this.names.keys().next().value!);
    }
    return n;
  }
}

abstract class SocketLogInput {
  protected readonly config: SocketInputConfig;
  protected readonly settings: SocketInputSettings;
  protected readonly splitter: Splitter;
  protected readonly delivery: LogDelivery;
  protected readonly names = new NameCache();
  private readonly attributer: Attributer;
  private readonly pipeline: Pipeline;
  private out: Entry[] = [];
  private flushTimer?: NodeJS.Timeout;
  protected stopping = false;

  constructor(config: SocketInputConfig, settings: SocketInputSettings, what: string) {
    this.config = config;
    this.settings = settings;
    this.splitter = new Splitter(config);
    this.attributer = new Attributer(config.attributes, config.resource);
    this.delivery = new LogDelivery(settings.consumer, config.retry_on_failure, settings.logger, what);
    this.pipeline = new Pipeline(settings.operators, { logger: settings.logger }, (e) => this.out.push(e));
    // operators that hold entries (recombine) let them go on their own timers
    this.flushTimer = setInterval(() => {
      this.pipeline.flush(false);
      void this.sendHeld();
    }, 1000);
    this.flushTimer.unref();
  }

  /** Runs the tokens of `buf` through the operators; the entries that came out. */
  protected entries(buf: Buffer, tokens: number[], net: ValueMap | undefined): Entry[] {
    const observed = BigInt(Date.now()) * 1_000_000n;
    for (let i = 0; i < tokens.length; i += 3) {
      if (tokens[i + 1] === tokens[i]) continue; // empty lines carry no record
      const body = this.splitter.decode(buf.subarray(tokens[i], tokens[i + 1]));
      if (body === '') continue;
      const e = newEntry(body, observed);
      if (net) Object.assign(e.attributes, net);
      this.attributer.apply(e);
      this.pipeline.process(e);
    }
    const out = this.out;
    this.out = [];
    return out;
  }

  private async sendHeld(): Promise<void> {
    if (this.out.length === 0) return;
    const held = this.out;
    this.out = [];
    await this.delivery.send(held);
  }

  /** entries the pipeline still refused when the receiver stopped: a socket cannot be read again */
  protected droppedAtStop(n: number): void {
    this.settings.logger.warn({ log_records: n }, 'receiver stopped while the pipeline refused log records: dropped');
  }

  protected split(buf: Buffer, flush: boolean): number[] {
    return this.settings.split ? this.settings.split(buf, flush) : this.splitter.split(buf, flush);
  }

  abstract start(): Promise<number>;

  protected async stopInput(): Promise<void> {
    this.stopping = true;
    clearInterval(this.flushTimer);
    this.delivery.stop();
    this.pipeline.flush(true);
    const held = this.out.length;
    if (held > 0 && !(await this.delivery.send(this.out.splice(0)))) this.droppedAtStop(held);
  }
}

/** contrib's tcp_input. */
export class TcpLogInput extends SocketLogInput {
  private readonly tls?: TlsServerConfig;
  private readonly maxConnections: number;
  private readonly idleTimeout: number;
  private server?: Server;
  private readonly connections = new Connections((socket) => {
    if (this.idleTimeout > 0) socket.setTimeout(this.idleTimeout, () => socket.destroy());
    return this.read(socket);
  });
  private stopTlsReload?: () => void;

  constructor(
    config: SocketInputConfig & { tls?: TlsServerConfig; max_connections: number; connection_idle_timeout: number },
    settings: SocketInputSettings,
  ) {
    super(config, settings, 'log records received over TCP');
    this.tls = config.tls;
    this.maxConnections = config.max_connections;
    this.idleTimeout = config.connection_idle_timeout;
  }

  /** listens; the port bound */
  async start(): Promise<number> {
    const onConnection = this.connections.accept;
    if (this.tls) {
      const server = createTlsServer(httpsServerOptions(this.tls, this.settings.configDir), onConnection);
      this.stopTlsReload = reloadServerTls(
        this.tls,
        this.settings.configDir,
        (ctx) => server.setSecureContext(ctx),
        (err) => this.settings.logger.error({ error: err.message }, 'tcp input: TLS files not reloaded'),
      );
      this.server = server;
    } else this.server = createServer(onConnection);
    if (this.maxConnections > 0) this.server.maxConnections = this.maxConnections;
    const server = this.server;
    await listenOn(server, this.config.listen_address, 'tcp input');
    server.on('error', (err) => this.settings.logger.error({ error: err.message }, 'tcp input: accept failed'));
    return (server.address() as { port: number }).port;
  }

  /** Reads one connection to its end; entries are handed on before more is read. */
  private async read(socket: Socket): Promise<void> {
    socket.pause();
    const net = this.config.add_attributes ? await this.netAttributes(socket) : undefined;
    const chunks = socket[Symbol.asyncIterator]();
    let pending: Buffer = Buffer.alloc(0);
    const max = this.config.max_log_size;
    try {
      for (;;) {
        const next = await chunks.next().catch((err: Error) => {
          this.settings.logger.debug({ error: err.message }, 'tcp input: connection failed');
          return { done: true as const, value: undefined };
        });
        const end = next.done === true;
        if (!end) pending = pending.length === 0 ? (next.value as Buffer) : Buffer.concat([pending, next.value]);
        let tokens: number[];
        if (this.config.one_log_per_packet) {
          // the whole connection is one record, cut at max_log_size
          if (!end) continue;
          tokens = pending.length > 0 ? [0, Math.min(pending.length, max), pending.length] : [];
        } else tokens = this.split(pending, end);
        const entries = this.entries(pending, tokens, net);
        if (tokens.length > 0) pending = pending.subarray(tokens[tokens.length - 1]);
        // the async iterator reads no more until next() is called: the connection waits meanwhile
        if (entries.length > 0 && !(await this.delivery.send(entries))) {
          this.droppedAtStop(entries.length);
          break;
        }
        if (end || this.stopping) break;
      }
    } finally {
      socket.destroy();
    }
  }

  private async netAttributes(socket: Socket): Promise<ValueMap> {
    const peer = plainIp(socket.remoteAddress ?? '');
    const local = plainIp(socket.localAddress ?? '');
    const [peerName, hostName] = await Promise.all([this.names.name(peer), this.names.name(local)]);
    return {
      'net.transport': 'IP.TCP',
      'net.peer.ip': peer,
      'net.peer.port': String(socket.remotePort ?? ''),
      'net.peer.name': peerName,
      'net.host.ip': local,
      'net.host.port': String(socket.localPort ?? ''),
      'net.host.name': hostName,
    };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.stopTlsReload?.();
    const server = this.server;
    this.server = undefined;
    this.delivery.stop();
    await this.connections.close(server);
    await this.stopInput();
  }
}

/** Datagrams waiting for the pipeline: beyond this many bytes they are dropped (as a full kernel buffer drops them). */
const UDP_QUEUE_BYTES = 8 * 1024 * 1024;

/** contrib's udp_input. */
export class UdpLogInput extends SocketLogInput {
  private socket?: UdpSocket;
  private queue: Array<[Buffer, RemoteInfo]> = [];
  private queuedBytes = 0;
  private draining?: Promise<void>;
  private localIp = '';
  private localPort = 0;
  private dropped = 0;
  private lastDropLog = 0;
  private readonly onDrop: (n: number) => void;

  constructor(
    config: Omit<SocketInputConfig, 'max_log_size'>,
    settings: SocketInputSettings,
    onDrop: (n: number) => void,
  ) {
    // a datagram is at most 64 KiB: so is a record (contrib's MaxUDPSize)
    super({ ...config, max_log_size: 65536 }, settings, 'log records received over UDP');
    this.onDrop = onDrop;
  }

  async start(): Promise<number> {
    const { host, port } = splitEndpoint(this.config.listen_address);
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    this.socket = socket;
    await bindUdp(socket, port, host);
    socket.on('error', (err) => this.settings.logger.error({ error: err.message }, 'udp input: read failed'));
    socket.on('message', (msg, rinfo) => this.enqueue(msg, rinfo));
    const addr = socket.address();
    this.localIp = plainIp(addr.address);
    this.localPort = addr.port;
    return addr.port;
  }

  private enqueue(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.stopping) return;
    if (this.queuedBytes + msg.length > UDP_QUEUE_BYTES) {
      this.dropped++;
      this.onDrop(1);
      if (Date.now() - this.lastDropLog > 10_000) {
        this.lastDropLog = Date.now();
        this.settings.logger.warn(
          { dropped_datagrams: this.dropped },
          'udp input: the pipeline is not keeping up; datagrams dropped',
        );
      }
      return;
    }
    this.queue.push([msg, rinfo]);
    this.queuedBytes += msg.length;
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      this.queuedBytes = 0;
      const entries: Entry[] = [];
      for (const [msg, rinfo] of batch) entries.push(...(await this.datagram(msg, rinfo)));
      if (!(await this.delivery.send(entries))) {
        this.droppedAtStop(entries.length);
        return;
      }
    }
  }

  /** one datagram's entries: without multiline (or with one_log_per_packet) the datagram is one record */
  private async datagram(msg: Buffer, rinfo: RemoteInfo): Promise<Entry[]> {
    // as contrib: trailing control characters and NULs are not part of the message
    let n = msg.length;
    while (n > 0 && msg[n - 1] < 32) n--;
    const data = msg.subarray(0, n);
    const net = this.config.add_attributes ? await this.netAttributes(rinfo) : undefined;
    const whole = this.config.one_log_per_packet || !this.config.multiline;
    const tokens = whole ? [0, n, n] : this.split(data, true);
    return this.entries(data, tokens, net);
  }

  private async netAttributes(rinfo: RemoteInfo): Promise<ValueMap> {
    const peer = plainIp(rinfo.address);
    const [peerName, hostName] = await Promise.all([this.names.name(peer), this.names.name(this.localIp)]);
    return {
      'net.transport': 'IP.UDP',
      'net.host.ip': this.localIp,
      'net.host.port': String(this.localPort),
      'net.host.name': hostName,
      'net.peer.ip': peer,
      'net.peer.port': String(rinfo.port),
      'net.peer.name': peerName,
    };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.delivery.stop();
    const socket = this.socket;
    this.socket = undefined;
    await new Promise<void>((resolve) => (socket ? socket.close(() => resolve()) : resolve()));
    await this.draining;
    await this.stopInput();
  }
}

/** A log receiver around one socket input: starts it, says where it listens, stops it. */
export class SocketLogReceiver implements Receiver {
  private readonly settings: CreateSettings;
  private readonly listenAddress: string;
  private readonly makeInput: () => TcpLogInput | UdpLogInput;
  private input?: TcpLogInput | UdpLogInput;
  constructor(settings: CreateSettings, listenAddress: string, makeInput: () => TcpLogInput | UdpLogInput) {
    this.settings = settings;
    this.listenAddress = listenAddress;
    this.makeInput = makeInput;
  }

  async start(): Promise<void> {
    this.input = this.makeInput();
    const port = await this.input.start();
    this.settings.logger.info({ endpoint: this.listenAddress, port }, 'Starting log receiver');
  }

  async shutdown(): Promise<void> {
    await this.input?.stop();
  }
}
