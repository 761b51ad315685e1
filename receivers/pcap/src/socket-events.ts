// From packets to the socket events the eBPF receiver would have seen on the two processes of
// each connection: who is client and server, TCP put back in order, and CONNECT / ACCEPT /
// CLOSE from the handshake and teardown.

import { Direction, L4Protocol, SocketEventKind, SocketRole, type SocketEvent } from '@flowtel/pdata';
import { TcpFlags, type DecodedPacket } from './packet-decoder.ts';
import { TcpStream, type StreamChunk } from './tcp-stream.ts';

/**
 * Whose socket events to emit. `both` (the default) is what eBPF sees when client and server run
 * on the captured host: every chunk once as the sender's EGRESS, then as the receiver's INGRESS.
 */
export type Perspective = 'client' | 'server' | 'both';

/**
 * How a flow whose handshake the capture missed gets its roles (a SYN or SYN-ACK always decides).
 * `auto`: the side on an ephemeral port (>= 32768) is the client when the other is not; else the
 * side on a port < 1024 is the server when the other is not; else the first packet's sender is
 * the client. `first-packet`: DeepFlow's test rule, for the whole capture: a packet whose
 * destination port equals the destination port of the capture's first TCP/UDP packet goes
 * client to server, and a flow where neither port matches takes its own first packet's sender
 * as client.
 */
export type RoleRule = 'auto' | 'first-packet';

export interface SocketEventOptions {
  perspective?: Perspective;
  /** false: one DATA event per TCP segment with payload as captured, no reordering or dedup (DeepFlow's per-packet tests) */
  reassemble?: boolean;
  roles?: RoleRule;
  /** out-of-order bytes one direction of a connection may hold before holes are skipped (default 1 MiB) */
  maxOutOfOrderBytes?: number;
  /** connections tracked at once; the least recently active is forgotten beyond it (default 65536) */
  maxConnections?: number;
}

export interface SocketEventStats {
  connections: number;
  /** bytes dropped as retransmissions or overlaps */
  duplicateBytes: number;
  /** bytes of TCP sequence space the capture never had */
  missingBytes: number;
  evictedConnections: number;
}

interface Endpoint {
  addr: string;
  port: number;
}

interface Side {
  endpoint: Endpoint;
  role: number;
  socketId: bigint;
  /** what this side sends */
  stream: TcpStream;
  closed: boolean;
}

interface Connection {
  protocol: number;
  client: Side;
  server: Side;
  connectSeen: boolean;
  acceptSeen: boolean;
}

const EPHEMERAL_PORT_MIN = 32768;
const WELL_KNOWN_PORT_MAX = 1023;
const NO_FD = -1;

const flowKey = (protocol: number, srcAddr: string, srcPort: number, dstAddr: string, dstPort: number) =>
  `${protocol} ${srcAddr} ${srcPort} ${dstAddr} ${dstPort}`;

export class SocketEventAssembler {
  readonly stats: SocketEventStats = { connections: 0, duplicateBytes: 0, missingBytes: 0, evictedConnections: 0 };
  private readonly perspective: Perspective;
  private readonly reassemble: boolean;
  private readonly roles: RoleRule;
  private readonly maxOutOfOrderBytes: number;
  private readonly maxConnections: number;
  /** each connection under both of its directed keys */
  private readonly connections = new Map<string, Connection>();
  private firstDstPort: number | undefined;
  private connectionCount = 0;
  private lastTimestampNs = 0n;
  private readonly emit: (event: SocketEvent) => void;

  constructor(emit: (event: SocketEvent) => void, options: SocketEventOptions = {}) {
    this.emit = emit;
    this.perspective = options.perspective ?? 'both';
    this.reassemble = options.reassemble ?? true;
    this.roles = options.roles ?? 'auto';
    this.maxOutOfOrderBytes = options.maxOutOfOrderBytes ?? 1024 * 1024;
    this.maxConnections = options.maxConnections ?? 65536;
  }

  push(packet: DecodedPacket): void {
    this.firstDstPort ??= packet.dstPort;
    this.lastTimestampNs = packet.timestampNs;
    if (packet.protocol === L4Protocol.UDP) this.pushUdp(packet);
    else this.pushTcp(packet);
  }

  /** End of input: what waits out of order is delivered; connections stay open (no CLOSE). */
  finish(): void {
    const seen = new Set<Connection>();
    for (const connection of this.connections.values()) {
      if (seen.has(connection)) continue;
      seen.add(connection);
      this.flushConnection(connection, this.lastTimestampNs);
      this.forget(connection);
    }
  }

  private pushUdp(packet: DecodedPacket): void {
    if (packet.payloadLength === 0) return;
    const connection = this.lookup(packet) ?? this.open(packet, this.clientIsSource(packet));
    const sender = this.senderOf(connection, packet);
    this.data(connection, sender, { bytes: packet.payload, byteCount: packet.payloadLength }, packet.timestampNs);
  }

  private pushTcp(packet: DecodedPacket): void {
    const syn = (packet.flags & TcpFlags.SYN) !== 0;
    const ackFlag = (packet.flags & TcpFlags.ACK) !== 0;
    let connection = this.lookup(packet);
    if (connection && syn && !ackFlag && this.isNewConnectionOnSamePorts(connection, packet)) {
      this.forget(connection);
      connection = undefined;
    }
    if (!connection) {
      // a lone ACK, FIN or RST of a connection already gone (or never seen) makes no events
      if (!syn && packet.payloadLength === 0) return;
      connection = this.open(packet, syn ? !ackFlag : this.clientIsSource(packet));
    }
    const sender = this.senderOf(connection, packet);
    const receiver = sender === connection.client ? connection.server : connection.client;
    const ts = packet.timestampNs;

    if (syn) {
      sender.stream.syn(packet.seq);
      if (!ackFlag && !connection.connectSeen) {
        connection.connectSeen = true;
        this.lifecycle(SocketEventKind.CONNECT, connection.client, connection.server, Direction.EGRESS, ts);
      } else if (ackFlag && !connection.acceptSeen) {
        connection.acceptSeen = true;
        this.lifecycle(SocketEventKind.ACCEPT, connection.server, connection.client, Direction.INGRESS, ts);
      }
    }
    // the peer's ACK says where this stream stood when a capture began mid-way
    if (ackFlag) receiver.stream.anchor(packet.ack);

    if (this.reassemble) {
      const dataSeq = syn ? (packet.seq + 1) >>> 0 : packet.seq;
      for (const chunk of sender.stream.segment(dataSeq, packet.payload, packet.payloadLength))
        this.data(connection, sender, chunk, ts);
      if (ackFlag) {
        const chunks: StreamChunk[] = [];
        receiver.stream.acknowledged(packet.ack, chunks);
        for (const chunk of chunks) this.data(connection, receiver, chunk, ts);
      }
    } else if (packet.payloadLength > 0) {
      this.data(connection, sender, { bytes: packet.payload, byteCount: packet.payloadLength }, ts);
    }

    if ((packet.flags & TcpFlags.RST) !== 0) {
      this.flushConnection(connection, ts);
      this.close(connection, connection.client, ts);
      this.close(connection, connection.server, ts);
    } else if ((packet.flags & TcpFlags.FIN) !== 0) {
      sender.stream.fin((packet.seq + packet.payloadLength + (syn ? 1 : 0)) >>> 0);
    }
    for (const side of [sender, receiver]) {
      if (!side.closed && (side.stream.finished || (!this.reassemble && side.stream.finSeen)))
        this.close(connection, side, ts);
    }
    if (connection.client.closed && connection.server.closed) this.forget(connection);
  }

  /** A SYN on a known flow starts a new connection when the old one ended or used other sequence numbers. */
  private isNewConnectionOnSamePorts(connection: Connection, packet: DecodedPacket): boolean {
    if (connection.client.closed || connection.server.closed) return true;
    const client = connection.client;
    if (client.endpoint.addr !== packet.srcAddr || client.endpoint.port !== packet.srcPort) return true;
    // after traffic whose start the capture missed, a SYN starts anew (unless a SYN-ACK came first)
    if (!connection.connectSeen) return !connection.acceptSeen;
    return !client.stream.isSyn(packet.seq);
  }

  private clientIsSource(packet: DecodedPacket): boolean {
    const { srcPort, dstPort } = packet;
    if (this.roles === 'first-packet') {
      if (dstPort === this.firstDstPort) return true;
      if (srcPort === this.firstDstPort) return false;
      return true;
    }
    const srcEphemeral = srcPort >= EPHEMERAL_PORT_MIN;
    const dstEphemeral = dstPort >= EPHEMERAL_PORT_MIN;
    if (srcEphemeral !== dstEphemeral) return srcEphemeral;
    const srcWellKnown = srcPort <= WELL_KNOWN_PORT_MAX;
    const dstWellKnown = dstPort <= WELL_KNOWN_PORT_MAX;
    if (srcWellKnown !== dstWellKnown) return dstWellKnown;
    return true;
  }

  private lookup(packet: DecodedPacket): Connection | undefined {
    const key = flowKey(packet.protocol, packet.srcAddr, packet.srcPort, packet.dstAddr, packet.dstPort);
    const connection = this.connections.get(key);
    if (!connection) return undefined;
    // keep the map in least-recently-active order so eviction forgets idle connections first
    const reverse = flowKey(packet.protocol, packet.dstAddr, packet.dstPort, packet.srcAddr, packet.srcPort);
    this.connections.delete(key);
    this.connections.delete(reverse);
    this.connections.set(key, connection);
    this.connections.set(reverse, connection);
    return connection;
  }

  private open(packet: DecodedPacket, clientIsSource: boolean): Connection {
    if (this.connections.size >= this.maxConnections * 2) {
      const oldest = this.connections.values().next().value as Connection;
      this.flushConnection(oldest, packet.timestampNs);
      this.forget(oldest);
      this.stats.evictedConnections++;
    }
    const src = { addr: packet.srcAddr, port: packet.srcPort };
    const dst = { addr: packet.dstAddr, port: packet.dstPort };
    const n = BigInt(++this.connectionCount);
    this.stats.connections++;
    const side = (endpoint: Endpoint, role: number, socketId: bigint): Side => ({
      endpoint,
      role,
      socketId,
      stream: new TcpStream(this.maxOutOfOrderBytes, this.stats),
      closed: false,
    });
    const connection: Connection = {
      protocol: packet.protocol,
      client: side(clientIsSource ? src : dst, SocketRole.CLIENT, n * 2n),
      server: side(clientIsSource ? dst : src, SocketRole.SERVER, n * 2n + 1n),
      connectSeen: false,
      acceptSeen: false,
    };
    this.connections.set(flowKey(packet.protocol, src.addr, src.port, dst.addr, dst.port), connection);
    this.connections.set(flowKey(packet.protocol, dst.addr, dst.port, src.addr, src.port), connection);
    return connection;
  }

  private forget(connection: Connection): void {
    const { client, server } = connection;
    const forward = flowKey(
      connection.protocol,
      client.endpoint.addr,
      client.endpoint.port,
      server.endpoint.addr,
      server.endpoint.port,
    );
    const backward = flowKey(
      connection.protocol,
      server.endpoint.addr,
      server.endpoint.port,
      client.endpoint.addr,
      client.endpoint.port,
    );
    if (this.connections.get(forward) === connection) this.connections.delete(forward);
    if (this.connections.get(backward) === connection) this.connections.delete(backward);
  }

  private flushConnection(connection: Connection, ts: bigint): void {
    for (const side of [connection.client, connection.server]) {
      for (const chunk of side.stream.flush()) this.data(connection, side, chunk, ts);
    }
  }

  private senderOf(connection: Connection, packet: DecodedPacket): Side {
    const { client } = connection;
    return client.endpoint.port === packet.srcPort && client.endpoint.addr === packet.srcAddr
      ? client
      : connection.server;
  }

  private wants(side: Side): boolean {
    return this.perspective === 'both' || (this.perspective === 'client') === (side.role === SocketRole.CLIENT);
  }

  private data(connection: Connection, sender: Side, chunk: StreamChunk, ts: bigint): void {
    const receiver = sender === connection.client ? connection.server : connection.client;
    if (this.wants(sender))
      this.emit(this.event(SocketEventKind.DATA, connection.protocol, sender, receiver, Direction.EGRESS, ts, chunk));
    if (this.wants(receiver))
      this.emit(this.event(SocketEventKind.DATA, connection.protocol, receiver, sender, Direction.INGRESS, ts, chunk));
  }

  private lifecycle(kind: number, local: Side, remote: Side, direction: number, ts: bigint): void {
    if (this.wants(local)) this.emit(this.event(kind, L4Protocol.TCP, local, remote, direction, ts, undefined));
  }

  private close(connection: Connection, side: Side, ts: bigint): void {
    if (side.closed) return;
    side.closed = true;
    const other = side === connection.client ? connection.server : connection.client;
    this.lifecycle(SocketEventKind.CLOSE, side, other, Direction.EGRESS, ts);
  }

  private event(
    kind: number,
    protocol: number,
    local: Side,
    remote: Side,
    direction: number,
    ts: bigint,
    chunk: StreamChunk | undefined,
  ): SocketEvent {
    return {
      kind,
      timestampNs: ts,
      pid: 0,
      tid: 0,
      comm: '',
      fd: NO_FD,
      socketId: local.socketId,
      l4Protocol: protocol,
      role: local.role,
      direction,
      localAddr: local.endpoint.addr,
      localPort: local.endpoint.port,
      remoteAddr: remote.endpoint.addr,
      remotePort: remote.endpoint.port,
      byteCount: chunk?.byteCount ?? 0,
      payload: chunk?.bytes ?? EMPTY,
    };
  }
}

const EMPTY = new Uint8Array(0);
