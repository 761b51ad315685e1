// Ring buffer records (bpf/socket_trace.h, offsets from the addon) into a SocketEventBatch.
// Runs for every event on the JS thread, so it writes the batch's columns directly and caches
// the strings that repeat: process names per pid and IPv4 addresses.
import { SocketEventBatch, TCP_METRICS_LAYOUT } from '@flowtel/pdata';
import { ipv4Text, ipv6Text } from '@flowtel/socket-source';
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
    // TCP events travel on as their kernel struct: pdata reads it with its own offsets
    for (const [field, at] of Object.entries(TCP_METRICS_LAYOUT))
      if (layout.tcp[field as keyof typeof TCP_METRICS_LAYOUT] !== at)
        throw new Error(
          `the addon's struct tcp_metrics has ${field} at ${layout.tcp[field as keyof typeof TCP_METRICS_LAYOUT]}, pdata reads it at ${at}: rebuild the addon`,
        );
    this.layout = layout;
    this.source = source;
  }

  /**
   * The records as a batch that points into them: payloads are not copied, and the 64-bit
   * columns are filled a 32-bit half at a time (no BigInt per event; both sides little-endian).
   */
  decode(records: ArrayBuffer, count: number): SocketEventBatch {
    const L = this.layout;
    const view = new DataView(records);
    const bytes = new Uint8Array(records);
    const batch = SocketEventBatch.over(this.source, count, bytes);
    const timestamps = new Uint32Array(batch.timestampNs.buffer);
    const socketIds = new Uint32Array(batch.socketId.buffer);
    let at = 0;
    for (let i = 0; i < count; i++) {
      const payloadLength = view.getUint32(at + L.payload_length, true);
      const v6 = bytes[at + L.ip_version] === 6;
      const pid = view.getUint32(at + L.pid, true);
      batch.kind[i] = bytes[at + L.kind];
      timestamps[2 * i] = view.getUint32(at + L.timestamp_ns, true);
      timestamps[2 * i + 1] = view.getUint32(at + L.timestamp_ns + 4, true);
      batch.pid[i] = pid;
      batch.tid[i] = view.getUint32(at + L.tid, true);
      batch.comm[i] = this.comm(view, bytes, at + L.comm, pid);
      batch.fd[i] = view.getInt32(at + L.fd, true);
      socketIds[2 * i] = view.getUint32(at + L.socket_id, true);
      socketIds[2 * i + 1] = view.getUint32(at + L.socket_id + 4, true);
      batch.l4Protocol[i] = bytes[at + L.l4_protocol];
      batch.role[i] = bytes[at + L.role];
      batch.direction[i] = bytes[at + L.direction];
      batch.tls[i] = (bytes[at + L.flags] & L.flag_tls) !== 0 ? 1 : 0;
      batch.localAddr[i] = v6 ? ipv6Text(bytes, at + L.local_addr) : this.ipv4Text(view, bytes, at + L.local_addr);
      batch.localPort[i] = view.getUint16(at + L.local_port, true);
      batch.remoteAddr[i] = v6 ? ipv6Text(bytes, at + L.remote_addr) : this.ipv4Text(view, bytes, at + L.remote_addr);
      batch.remotePort[i] = view.getUint16(at + L.remote_port, true);
      batch.byteCount[i] = view.getUint32(at + L.byte_count, true);
      batch.payloadOffset[i] = at + L.header_size;
      batch.payloadLength[i] = payloadLength;
      at += (L.header_size + payloadLength + 7) & ~7;
    }
    batch.count = count;
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
