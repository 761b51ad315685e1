// DNS (RFC 1035) over UDP (one message per datagram) and TCP (two-byte length prefix).
// Requests and responses pair by the message id.

import { u16be, u32be } from '../bytes.ts';
import { MORE, gapInFrames, guarded, readFrames, type FrameStep } from '../frame-loop.ts';
import type { L7Message, ResponseStatus } from '../message.ts';
import {
  failure,
  parseOptions,
  type Direction,
  type ParseOptions,
  type ParseResult,
  type ProtocolParser,
} from '../parser.ts';
import { duplexBuffers, type DuplexBuffers } from '../stream-buffer.ts';

const HEADER = 12;
const MAX_NAME_JUMPS = 32;

const TYPES: Record<number, string> = {
  1: 'A',
  2: 'NS',
  5: 'CNAME',
  6: 'SOA',
  12: 'PTR',
  13: 'HINFO',
  15: 'MX',
  16: 'TXT',
  28: 'AAAA',
  33: 'SRV',
  35: 'NAPTR',
  39: 'DNAME',
  41: 'OPT',
  43: 'DS',
  46: 'RRSIG',
  47: 'NSEC',
  48: 'DNSKEY',
  52: 'TLSA',
  64: 'SVCB',
  65: 'HTTPS',
  99: 'SPF',
  252: 'AXFR',
  255: 'ANY',
  257: 'CAA',
};
const OPCODES = ['StandardQuery', 'InverseQuery', 'Status', 'Unassigned', 'Notify', 'Update', 'DSO'];
const RCODE_FORMERR = 1;
const RCODE_NXDOMAIN = 3;
const RCODE_REFUSED = 5;

export interface DnsState {
  options: ParseOptions;
  buffers: DuplexBuffers;
}

/** Reads a possibly compressed name; returns it and the offset after it in the original position. */
function readName(msg: Uint8Array, start: number): { name: string; next: number } {
  const labels: string[] = [];
  let offset = start;
  let next = -1;
  for (let jumps = 0; ;) {
    if (offset >= msg.length) throw new Error('name runs past the message');
    const len = msg[offset];
    if (len === 0) {
      if (next < 0) next = offset + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (offset + 1 >= msg.length) throw new Error('truncated name pointer');
      if (++jumps > MAX_NAME_JUMPS) throw new Error('name pointer loop');
      if (next < 0) next = offset + 2;
      offset = ((len & 0x3f) << 8) | msg[offset + 1];
      continue;
    }
    if (len > 63 || offset + 1 + len > msg.length) throw new Error('bad label length');
    let label = '';
    for (let i = offset + 1; i <= offset + len; i++) label += String.fromCharCode(msg[i]);
    labels.push(label);
    offset += 1 + len;
  }
  return { name: labels.join('.'), next };
}

function formatAddress(msg: Uint8Array, at: number, len: number): string {
  if (len === 4) return `${msg[at]}.${msg[at + 1]}.${msg[at + 2]}.${msg[at + 3]}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(u16be(msg, at + i).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/**
 * "A=1.2.3.4 TTL=60; NS=ns1.example TTL=60", as DeepFlow writes response_result. The records
 * before one that runs past the message (a capture head cut it) stand.
 */
function readAnswers(msg: Uint8Array, offset: number, count: number): string {
  const parts: string[] = [];
  let at = offset;
  try {
    for (let i = 0; i < count && at < msg.length; i++) {
      const { next } = readName(msg, at);
      if (next + 10 > msg.length) break;
      const type = u16be(msg, next);
      const ttl = u32be(msg, next + 4);
      const rdLength = u16be(msg, next + 8);
      const rdata = next + 10;
      if (rdata + rdLength > msg.length) break;
      const typeName = TYPES[type] ?? String(type);
      if (type === 1 || type === 28) parts.push(`${typeName}=${formatAddress(msg, rdata, rdLength)} TTL=${ttl}`);
      else if (type === 2 || type === 5 || type === 12 || type === 6)
        parts.push(`${typeName}=${readName(msg, rdata).name} TTL=${ttl}`);
      else parts.push(typeName);
      at = rdata + rdLength;
    }
  } catch {
    // a name that points or runs past the bytes held
  }
  return parts.join('; ');
}

function statusOf(rcode: number, name: string): ResponseStatus {
  if (rcode === 0) return 'ok';
  // A miss while walking the Kubernetes search path is expected: the resolver tries the next suffix.
  if (rcode === RCODE_NXDOMAIN && name.endsWith('.cluster.local')) return 'ok';
  if (rcode === RCODE_FORMERR || rcode === RCODE_NXDOMAIN || rcode === RCODE_REFUSED) return 'client_error';
  return 'server_error';
}

export function parseDnsMessage(msg: Uint8Array): L7Message {
  if (msg.length < HEADER) throw new Error('shorter than a DNS header');
  const id = u16be(msg, 0);
  const flags = u16be(msg, 2);
  const isResponse = (flags & 0x8000) !== 0;
  const opcode = (flags >> 11) & 0xf;
  const rcode = flags & 0xf;
  const qdCount = u16be(msg, 4);
  const anCount = u16be(msg, 6);
  const nsCount = u16be(msg, 8);
  if (qdCount > 16) throw new Error(`implausible question count ${qdCount}`);
  let offset = HEADER;
  let name = '';
  let type = '';
  for (let i = 0; i < qdCount; i++) {
    const read = readName(msg, offset);
    if (read.next + 4 > msg.length) throw new Error('truncated question');
    if (i === 0) {
      name = read.name;
      const qtype = u16be(msg, read.next);
      type = TYPES[qtype] ?? String(qtype);
    }
    offset = read.next + 4;
  }
  const attributes: L7Message['attributes'] = { 'dns.question.name': name };
  if (opcode !== 0) attributes['dns.opcode'] = OPCODES[opcode] ?? String(opcode);
  const message: L7Message = {
    protocol: 'DNS',
    kind: isResponse ? 'response' : 'request',
    request_type: type,
    request_resource: name,
    request_id: id,
    pair_key: String(id),
    size: msg.length,
    attributes,
  };
  if (isResponse) {
    message.response_code = rcode;
    message.response_status = statusOf(rcode, name);
    const result = readAnswers(msg, offset, anCount + nsCount);
    if (result) message.response_result = result;
    if (message.response_status !== 'ok')
      message.response_exception = rcode === RCODE_NXDOMAIN ? 'NXDomain' : `RCODE ${rcode}`;
  }
  return message;
}

function looksLikeDns(msg: Uint8Array): boolean {
  if (msg.length < HEADER + 5) return false;
  const flags = u16be(msg, 2);
  const opcode = (flags >> 11) & 0xf;
  const qdCount = u16be(msg, 4);
  if (opcode > 6 || qdCount !== 1 || (flags & 0x0040) !== 0) return false;
  try {
    const { next } = readName(msg, HEADER);
    return next + 4 <= msg.length && u16be(msg, next + 2) !== 0;
  } catch {
    return false;
  }
}

/** `head`: b is all the capture kept of this frame (see gapInFrames): the header, the question and the records inside it are read. */
function readTcpFrame(b: Uint8Array, head = false): FrameStep {
  if (b.length < 2) return MORE;
  const len = u16be(b, 0);
  if (len < HEADER) return failure(`DNS over TCP frame of ${len} bytes`);
  if (b.length < 2 + len && !head) return MORE;
  return { consumed: 2 + len, messages: [parseDnsMessage(b.subarray(2, Math.min(2 + len, b.length)))] };
}

function parseDatagram(payload: Uint8Array): ParseResult {
  return guarded(() => [parseDnsMessage(payload)]);
}

export const dns: ProtocolParser<DnsState> = {
  name: 'DNS',
  l4: 'both',
  defaultPorts: [53, 5353],
  infer(payload) {
    if (looksLikeDns(payload)) return true;
    const framed = payload.length > 2 ? u16be(payload, 0) : 0;
    return framed > 0 && framed <= payload.length - 2 && looksLikeDns(payload.subarray(2, 2 + framed));
  },
  createState(options) {
    return { options: parseOptions(options), buffers: duplexBuffers(64 * 1024) };
  },
  gap(state, direction, bytes) {
    return gapInFrames(state.buffers[direction], bytes, (b) => readTcpFrame(b, true));
  },
  parse(payload, direction: Direction, state) {
    if (state.options.l4 === 'udp') return parseDatagram(payload);
    return readFrames(state.buffers[direction], payload, readTcpFrame);
  },
};
