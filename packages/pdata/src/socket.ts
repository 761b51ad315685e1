// Socket events: the raw capture that the ebpf and pcap receivers emit and the l7 processor
// consumes. They arrive by the hundred thousand per second, so a batch is columnar: one typed
// array per field, payload bytes packed into one buffer.

/** TCP: the kernel's figures of a TCP connection, the payload read by readTcpMetrics (tcp-metrics.ts). */
export const SocketEventKind = { DATA: 0, CONNECT: 1, ACCEPT: 2, CLOSE: 3, TCP: 4 } as const;
/** Who opened the connection: the process connected (client) or accepted (server). */
export const SocketRole = { UNKNOWN: 0, CLIENT: 1, SERVER: 2 } as const;
/** Seen from the process that owns the socket (for pcap: from the side `role` names). */
export const Direction = { EGRESS: 0, INGRESS: 1 } as const;
export const L4Protocol = { TCP: 6, UDP: 17 } as const;

/** One event as a plain object: for tests, debug output and low-rate paths. */
export interface SocketEvent {
  kind: number;
  timestampNs: bigint;
  pid: number;
  tid: number;
  comm: string;
  fd: number;
  socketId: bigint;
  l4Protocol: number;
  role: number;
  direction: number;
  localAddr: string;
  localPort: number;
  remoteAddr: string;
  remotePort: number;
  /** bytes the syscall (or segment) moved; payload may hold fewer */
  byteCount: number;
  payload: Uint8Array;
  /** the plaintext of a TLS connection, read from the TLS library (eBPF uprobes), not the socket */
  tls?: boolean;
}

export class SocketEventBatch {
  readonly source: string;
  count = 0;
  kind: Uint8Array;
  timestampNs: BigUint64Array;
  pid: Uint32Array;
  tid: Uint32Array;
  fd: Int32Array;
  socketId: BigUint64Array;
  l4Protocol: Uint8Array;
  role: Uint8Array;
  direction: Uint8Array;
  /** 1 for TLS plaintext (SocketEvent.tls) */
  tls: Uint8Array;
  localPort: Uint16Array;
  remotePort: Uint16Array;
  byteCount: Uint32Array;
  payloadOffset: Uint32Array;
  payloadLength: Uint32Array;
  comm: string[] = [];
  localAddr: string[] = [];
  remoteAddr: string[] = [];
  payload: Uint8Array;
  private payloadUsed = 0;

  constructor(source: string, capacity = 256, payloadCapacity = capacity * 512) {
    this.source = source;
    this.kind = new Uint8Array(capacity);
    this.timestampNs = new BigUint64Array(capacity);
    this.pid = new Uint32Array(capacity);
    this.tid = new Uint32Array(capacity);
    this.fd = new Int32Array(capacity);
    this.socketId = new BigUint64Array(capacity);
    this.l4Protocol = new Uint8Array(capacity);
    this.role = new Uint8Array(capacity);
    this.direction = new Uint8Array(capacity);
    this.tls = new Uint8Array(capacity);
    this.localPort = new Uint16Array(capacity);
    this.remotePort = new Uint16Array(capacity);
    this.byteCount = new Uint32Array(capacity);
    this.payloadOffset = new Uint32Array(capacity);
    this.payloadLength = new Uint32Array(capacity);
    this.payload = new Uint8Array(payloadCapacity);
  }

  push(e: SocketEvent): void {
    if (this.count === this.kind.length) this.grow(this.count * 2);
    if (this.payloadUsed + e.payload.length > this.payload.length) {
      const bigger = new Uint8Array(Math.max(this.payload.length * 2, this.payloadUsed + e.payload.length));
      bigger.set(this.payload.subarray(0, this.payloadUsed));
      this.payload = bigger;
    }
    const i = this.count++;
    this.kind[i] = e.kind;
    this.timestampNs[i] = e.timestampNs;
    this.pid[i] = e.pid;
    this.tid[i] = e.tid;
    this.fd[i] = e.fd;
    this.socketId[i] = e.socketId;
    this.l4Protocol[i] = e.l4Protocol;
    this.role[i] = e.role;
    this.direction[i] = e.direction;
    this.tls[i] = e.tls ? 1 : 0;
    this.localPort[i] = e.localPort;
    this.remotePort[i] = e.remotePort;
    this.byteCount[i] = e.byteCount;
    this.comm[i] = e.comm;
    this.localAddr[i] = e.localAddr;
    this.remoteAddr[i] = e.remoteAddr;
    this.payloadOffset[i] = this.payloadUsed;
    this.payloadLength[i] = e.payload.length;
    this.payload.set(e.payload, this.payloadUsed);
    this.payloadUsed += e.payload.length;
  }

  /** A view, not a copy: valid as long as the batch is. */
  payloadOf(i: number): Uint8Array {
    return this.payload.subarray(this.payloadOffset[i], this.payloadOffset[i] + this.payloadLength[i]);
  }

  get(i: number): SocketEvent {
    return {
      kind: this.kind[i],
      timestampNs: this.timestampNs[i],
      pid: this.pid[i],
      tid: this.tid[i],
      comm: this.comm[i],
      fd: this.fd[i],
      socketId: this.socketId[i],
      l4Protocol: this.l4Protocol[i],
      role: this.role[i],
      direction: this.direction[i],
      localAddr: this.localAddr[i],
      localPort: this.localPort[i],
      remoteAddr: this.remoteAddr[i],
      remotePort: this.remotePort[i],
      byteCount: this.byteCount[i],
      payload: this.payloadOf(i),
      ...(this.tls[i] ? { tls: true } : {}),
    };
  }

  *[Symbol.iterator](): IterableIterator<SocketEvent> {
    for (let i = 0; i < this.count; i++) yield this.get(i);
  }

  /**
   * A batch whose payloads are views into `payload` as it is, not copies: for capture records
   * that carry header and payload side by side. The caller fills the columns (sized for
   * `capacity` events), pointing payloadOffset and payloadLength into `payload`, then sets count.
   */
  static over(source: string, capacity: number, payload: Uint8Array): SocketEventBatch {
    const batch = new SocketEventBatch(source, capacity, 0);
    batch.payload = payload;
    batch.payloadUsed = payload.length;
    return batch;
  }

  static from(source: string, events: Iterable<SocketEvent>): SocketEventBatch {
    const batch = new SocketEventBatch(source);
    for (const e of events) batch.push(e);
    return batch;
  }

  private grow(capacity: number): void {
    const widen = <T extends { length: number; set(a: T): void }>(a: T, make: (n: number) => T): T => {
      const b = make(capacity);
      b.set(a);
      return b;
    };
    this.kind = widen(this.kind, (n) => new Uint8Array(n));
    this.timestampNs = widen(this.timestampNs, (n) => new BigUint64Array(n));
    this.pid = widen(this.pid, (n) => new Uint32Array(n));
    this.tid = widen(this.tid, (n) => new Uint32Array(n));
    this.fd = widen(this.fd, (n) => new Int32Array(n));
    this.socketId = widen(this.socketId, (n) => new BigUint64Array(n));
    this.l4Protocol = widen(this.l4Protocol, (n) => new Uint8Array(n));
    this.role = widen(this.role, (n) => new Uint8Array(n));
    this.direction = widen(this.direction, (n) => new Uint8Array(n));
    this.tls = widen(this.tls, (n) => new Uint8Array(n));
    this.localPort = widen(this.localPort, (n) => new Uint16Array(n));
    this.remotePort = widen(this.remotePort, (n) => new Uint16Array(n));
    this.byteCount = widen(this.byteCount, (n) => new Uint32Array(n));
    this.payloadOffset = widen(this.payloadOffset, (n) => new Uint32Array(n));
    this.payloadLength = widen(this.payloadLength, (n) => new Uint32Array(n));
  }
}
