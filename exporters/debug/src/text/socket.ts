// Socket events (the raw capture of the eBPF and pcap receivers) in the debug exporter's
// style: one line per event at normal verbosity, every field and a payload dump at detailed.
import { Direction, L4Protocol, SocketEventKind, SocketRole } from '@flowtel/pdata';
import type { SocketEvent, SocketEventBatch } from '@flowtel/pdata';
import { TextBuffer } from './buffer.ts';

/** how much of each payload the detailed dump shows */
export const PAYLOAD_DUMP_LIMIT = 256;

const nameOf = (table: Record<string, number>, value: number): string =>
  Object.entries(table)
    .find(([, v]) => v === value)?.[0]
    .toLowerCase() ?? String(value);

const kindName = (k: number) => nameOf(SocketEventKind, k);
const roleName = (r: number) => nameOf(SocketRole, r);
const directionName = (d: number) => nameOf(Direction, d);
const protocolName = (p: number) => nameOf(L4Protocol, p).toUpperCase();
const hostPort = (addr: string, port: number) => (addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`);

/** The flow as the bytes moved: local -> remote when sent, remote -> local when received. */
function flow(e: SocketEvent): string {
  const local = hostPort(e.localAddr, e.localPort);
  const remote = hostPort(e.remoteAddr, e.remotePort);
  return e.direction === Direction.INGRESS ? `${remote} -> ${local}` : `${local} -> ${remote}`;
}

export function socketNormal(batch: SocketEventBatch): string {
  let out = '';
  for (const e of batch) {
    out +=
      `${e.comm} pid=${e.pid} tid=${e.tid} fd=${e.fd} ${roleName(e.role)} ${directionName(e.direction)} ` +
      `${protocolName(e.l4Protocol)} ${flow(e)} ${kindName(e.kind)} bytes=${e.byteCount}${e.tls ? ' tls' : ''}\n`;
  }
  return out;
}

export function socketDetailed(batch: SocketEventBatch): string {
  const b = new TextBuffer();
  b.entry(`SocketEvents source=${batch.source}`);
  let i = 0;
  for (const e of batch) {
    b.entry(`SocketEvent #${i++}`);
    b.field('Kind', kindName(e.kind));
    b.field('Timestamp', `${e.timestampNs}ns`);
    b.field('PID', e.pid);
    b.field('TID', e.tid);
    b.field('Comm', e.comm);
    b.field('FD', e.fd);
    b.field('Socket ID', e.socketId.toString());
    b.field('Protocol', protocolName(e.l4Protocol));
    b.field('Role', roleName(e.role));
    b.field('Direction', directionName(e.direction));
    b.field('Local', hostPort(e.localAddr, e.localPort));
    b.field('Remote', hostPort(e.remoteAddr, e.remotePort));
    b.field('Bytes', e.byteCount);
    if (e.tls) b.field('TLS', 'plaintext');
    if (e.payload.length === 0) continue;
    b.entry(`Payload (${e.payload.length} of ${e.byteCount} bytes captured):`);
    for (const line of hexDump(e.payload.subarray(0, PAYLOAD_DUMP_LIMIT))) b.entry(line);
    if (e.payload.length > PAYLOAD_DUMP_LIMIT) b.entry(`... ${e.payload.length - PAYLOAD_DUMP_LIMIT} more bytes`);
  }
  return b.toString();
}

/** `hexdump -C` lines: offset, 16 bytes in two groups of 8, printable ASCII. */
export function hexDump(bytes: Uint8Array): string[] {
  const lines: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += 16) {
    const row = bytes.subarray(offset, offset + 16);
    const hex = Array.from(row, (v) => v.toString(16).padStart(2, '0'));
    const left = hex.slice(0, 8).join(' ');
    const right = hex.slice(8).join(' ');
    const ascii = Array.from(row, (v) => (v >= 0x20 && v < 0x7f ? String.fromCharCode(v) : '.')).join('');
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${left.padEnd(23)}  ${right.padEnd(23)}  |${ascii}|`);
  }
  return lines;
}
