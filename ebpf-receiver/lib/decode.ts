// Ring buffer records (bpf/socket_trace.h, offsets from the addon) into a SocketEventBatch.
// Runs for every event on the JS thread, so it reuses one event object and caches the strings
// that repeat: process names per pid and IPv4 addresses.
import { SocketEventBatch, type SocketEvent } from '@flowtel/pdata';
import { ipv4Text, ipv6Text } from './ip-text.ts';
import type { EventLayout } from './native.ts';

const CACHE_LIMIT = 65536;

interface CachedComm {
  words: [number, number, number, number];
  text: string;
}

export class RecordDecoder {
  private readonly layout: EventLayout;
  private readonly source: string;
  private readonly comms = new Map<number, CachedComm>();
  private readonly ipv4 = new Map<number, string>();

  constructor(layout: EventLayout, source: string) {
    this.layout = layout;
    this.source = source;
  }

  decode(records: ArrayBuffer, count: number): SocketEventBatch {
    const L = this.layout;
    const view = new DataView(records);
    const bytes = new Uint8Array(records);
    const batch = new SocketEventBatch(this.source, count, records.byteLength);
    const event: SocketEvent = {
      kind: 0, timestampNs: 0n, pid: 0, tid: 0, comm: '', fd: 0, socketId: 0n, l4Protocol: 0, role: 0, direction: 0,
      localAddr: '', localPort: 0, remoteAddr: '', remotePort: 0, byteCount: 0, payload: bytes.subarray(0, 0),
    };
    let at = 0;
    for (let i = 0; i < count; i++) {
      const payloadLength = view.getUint32(at + L.payload_length, true);
      const v6 = bytes[at + L.ip_version] === 6;
      event.kind = bytes[at + L.kind];
      event.timestampNs = view.getBigUint64(at + L.timestamp_ns, true);
      event.pid = view.getUint32(at + L.pid, true);
      event.tid = view.getUint32(at + L.tid, true);
      event.comm = this.comm(view, bytes, at + L.comm, event.pid);
      event.fd = view.getInt32(at + L.fd, true);
      event.socketId = view.getBigUint64(at + L.socket_id, true);
      event.l4Protocol = bytes[at + L.l4_protocol];
      event.role = bytes[at + L.role];
      event.direction = bytes[at + L.direction];
      event.localAddr = v6 ? ipv6Text(bytes, at + L.local_addr) : this.ipv4Text(view, bytes, at + L.local_addr);
      event.localPort = view.getUint16(at + L.local_port, true);
      event.remoteAddr = v6 ? ipv6Text(bytes, at + L.remote_addr) : this.ipv4Text(view, bytes, at + L.remote_addr);
      event.remotePort = view.getUint16(at + L.remote_port, true);
      event.byteCount = view.getUint32(at + L.byte_count, true);
      event.payload = bytes.subarray(at + L.header_size, at + L.header_size + payloadLength);
      batch.push(event);
      at += (L.header_size + payloadLength + 7) & ~7;
    }
    return batch;
  }

  private ipv4Text(view: DataView, bytes: Uint8Array, at: number): string {
    const key = view.getUint32(at);
    let text = this.ipv4.get(key);
    if (text === undefined) {
      if (this.ipv4.size >= CACHE_LIMIT) this.ipv4.clear();
      text = ipv4Text(bytes, at);
      this.ipv4.set(key, text);
    }
    return text;
  }

  /** A pid's name changes only on exec: the raw bytes tell when. */
  private comm(view: DataView, bytes: Uint8Array, at: number, pid: number): string {
    const w0 = view.getUint32(at, true);
    const w1 = view.getUint32(at + 4, true);
    const w2 = view.getUint32(at + 8, true);
    const w3 = view.getUint32(at + 12, true);
    const cached = this.comms.get(pid);
    if (cached && cached.words[0] === w0 && cached.words[1] === w1 && cached.words[2] === w2 && cached.words[3] === w3)
      return cached.text;
    let end = at;
    while (end < at + this.layout.comm_length && bytes[end] !== 0) end++;
    const text = Buffer.from(bytes.buffer, bytes.byteOffset + at, end - at).toString('utf8');
    if (this.comms.size >= CACHE_LIMIT) this.comms.clear();
    this.comms.set(pid, { words: [w0, w1, w2, w3], text });
    return text;
  }
}
