// MQTT 3.1, 3.1.1 and 5: control packets cut by their remaining length. Requests are CONNECT,
// PUBLISH (QoS 1 and 2), SUBSCRIBE, UNSUBSCRIBE, PINGREQ and PUBREL, in either direction (the
// broker publishes to subscribers); their acknowledgements pair by packet id. QoS 0 publishes
// and DISCONNECT stand alone. The password of CONNECT is never read.

import { MORE, gapInFrames, readFrames, type FrameStep } from '../frame-loop.ts';
import type { L7Message, ResponseStatus } from '../message.ts';
import { failure, parseOptions, type Direction, type ParseOptions, type ProtocolParser } from '../parser.ts';
import { duplexBuffers, type DuplexBuffers } from '../stream-buffer.ts';
import { ByteReader } from './byte-reader.ts';

const NAMES = [
  '',
  'CONNECT',
  'CONNACK',
  'PUBLISH',
  'PUBACK',
  'PUBREC',
  'PUBREL',
  'PUBCOMP',
  'SUBSCRIBE',
  'SUBACK',
  'UNSUBSCRIBE',
  'UNSUBACK',
  'PINGREQ',
  'PINGRESP',
  'DISCONNECT',
  'AUTH',
];
const CONNECT = 1;
const CONNACK = 2;
const PUBLISH = 3;
const PUBACK = 4;
const PUBREC = 5;
const PUBREL = 6;
const PUBCOMP = 7;
const SUBSCRIBE = 8;
const SUBACK = 9;
const UNSUBSCRIBE = 10;
const UNSUBACK = 11;
const PINGREQ = 12;
const PINGRESP = 13;
const MAX_READ = 64 * 1024;
/** Reason codes the broker is to blame for (v5: unspecified, implementation specific, unavailable, busy, quota). */
const SERVER_REASONS = new Set([0x80, 0x83, 0x88, 0x89, 0x97]);

export interface MqttState {
  options: ParseOptions;
  buffers: DuplexBuffers;
  /** Protocol level from CONNECT: 3, 4 (3.1.1) or 5; 5 adds properties to most packets. */
  version: number;
}

function readString(r: ByteReader): string {
  return r.utf8(r.u16());
}

function skipProperties(r: ByteReader, state: MqttState): void {
  if (state.version === 5) r.skip(r.uvarint());
}

/** Pair keys name the side that sent the request: packet ids are per sender. */
function key(requester: Direction, kind: string, id: number | string): string {
  return `${requester === 'toServer' ? 'c' : 's'}:${kind}:${id}`;
}

function reasonStatus(code: number, v3Connack: boolean): ResponseStatus {
  if (code === 0) return 'ok';
  if (v3Connack) return code === 3 ? 'server_error' : 'client_error';
  if (code < 0x80) return 'ok';
  return SERVER_REASONS.has(code) ? 'server_error' : 'client_error';
}

function base(kind: L7Message['kind'], type: number, size: number): L7Message {
  return { protocol: 'MQTT', kind, request_type: NAMES[type], size, attributes: { 'messaging.system': 'mqtt' } };
}

/** `head`: b is all the capture kept of this packet (see gapInFrames). */
function readPacket(state: MqttState, direction: Direction, b: Uint8Array, head = false): FrameStep {
  if (b.length < 2) return MORE;
  const type = b[0] >> 4;
  const flags = b[0] & 0x0f;
  if (type === 0) return failure('MQTT packet type 0');
  let remaining = 0;
  let at = 1;
  for (let shift = 0; ; shift += 7) {
    if (at >= b.length) return MORE;
    if (shift > 21) return failure('MQTT remaining length too long');
    const byte = b[at++];
    remaining += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
  }
  const size = at + remaining;
  const wanted = Math.min(size, MAX_READ, head ? b.length : MAX_READ);
  if (b.length < wanted) return MORE;
  const r = new ByteReader(b, at, wanted);
  const other: Direction = direction === 'toServer' ? 'toClient' : 'toServer';
  const step = (messages: L7Message[]): FrameStep => ({ consumed: wanted, skip: size - wanted, messages });
  switch (type) {
    case CONNECT: {
      const protocolName = readString(r);
      state.version = r.u8();
      const connectFlags = r.u8();
      r.skip(2);
      skipProperties(r, state);
      const clientId = readString(r);
      const m = base('request', type, size);
      m.pair_key = key(direction, 'connect', 0);
      m.attributes['network.protocol.name'] = protocolName.toLowerCase();
      m.attributes['network.protocol.version'] = state.version === 5 ? '5' : state.version === 4 ? '3.1.1' : '3.1';
      if (clientId) m.attributes['messaging.client.id'] = clientId;
      if (connectFlags & 0x80) m.attributes['mqtt.username_present'] = true;
      return step([m]);
    }
    case CONNACK: {
      r.skip(1);
      const code = r.u8();
      const m = base('response', type, size);
      m.pair_key = key(other, 'connect', 0);
      m.response_code = code;
      m.response_status = reasonStatus(code, state.version !== 5);
      return step([m]);
    }
    case PUBLISH: {
      const qos = (flags >> 1) & 3;
      const topic = readString(r);
      const id = qos > 0 ? r.u16() : undefined;
      const m = base(id === undefined ? 'session' : 'request', type, size);
      m.request_resource = topic;
      m.endpoint = topic;
      m.attributes['messaging.destination.name'] = topic;
      m.attributes['messaging.operation.type'] = direction === 'toServer' ? 'send' : 'receive';
      m.attributes['messaging.message.body.size'] = size - r.pos;
      if (id !== undefined) {
        m.request_id = id;
        m.pair_key = key(direction, 'pub', id);
        m.attributes['messaging.mqtt.qos'] = qos;
      }
      return step([m]);
    }
    case PUBREL:
    case SUBSCRIBE:
    case UNSUBSCRIBE: {
      const id = r.u16();
      const m = base('request', type, size);
      m.request_id = id;
      m.pair_key = key(direction, type === PUBREL ? 'rel' : type === SUBSCRIBE ? 'sub' : 'unsub', id);
      if (type !== PUBREL) {
        skipProperties(r, state);
        const topics: string[] = [];
        while (r.remaining > 0 && topics.length < 64) {
          topics.push(readString(r));
          if (type === SUBSCRIBE) r.skip(1);
        }
        m.request_resource = topics.join(',');
        m.endpoint = m.request_resource;
        m.attributes['messaging.destination.name'] = m.request_resource;
      }
      return step([m]);
    }
    case PUBACK:
    case PUBREC:
    case PUBCOMP:
    case SUBACK:
    case UNSUBACK: {
      const id = r.u16();
      const m = base('response', type, size);
      m.request_id = id;
      const answers =
        type === PUBACK || type === PUBREC ? 'pub' : type === PUBCOMP ? 'rel' : type === SUBACK ? 'sub' : 'unsub';
      m.pair_key = key(other, answers, id);
      let code = 0;
      if (type === SUBACK || (type === UNSUBACK && state.version === 5)) {
        skipProperties(r, state);
        // The worst of the per-topic codes; SUBACK's granted QoS values 0-2 are successes.
        while (r.remaining > 0) code = Math.max(code, r.u8());
        if (type === SUBACK && code <= 2) code = 0;
      } else if (state.version === 5 && r.remaining > 0) {
        code = r.u8();
      }
      m.response_code = code;
      m.response_status = reasonStatus(code, false);
      return step([m]);
    }
    case PINGREQ:
      return step([{ ...base('request', type, size), pair_key: key(direction, 'ping', 0) }]);
    case PINGRESP:
      return step([{ ...base('response', type, size), pair_key: key(other, 'ping', 0), response_status: 'ok' }]);
    default:
      return step([base('session', type, size)]);
  }
}

/** A capture that starts after CONNECT: whole packets of plausible types, exactly filling the payload. */
function looksLikePackets(b: Uint8Array, direction: Direction): boolean {
  let at = 0;
  let packets = 0;
  try {
    while (at < b.length && packets < 64) {
      const type = b[at] >> 4;
      const fixedFlags = b[at] & 0x0f;
      const r = new ByteReader(b, at + 1);
      const length = r.uvarint();
      if (r.pos + length > b.length) return false;
      if (type === PUBLISH) {
        const topicLength = (b[r.pos] << 8) | b[r.pos + 1];
        if (
          topicLength === 0 ||
          topicLength > length - 2 ||
          !/^[\x20-\x7e]+$/.test(new TextDecoder().decode(b.subarray(r.pos + 2, r.pos + 2 + topicLength)))
        )
          return false;
        if (((fixedFlags >> 1) & 3) === 3) return false;
      } else if (type === CONNACK) {
        if (direction !== 'toClient' || length !== 2 || fixedFlags !== 0) return false;
      } else if (type === SUBSCRIBE || type === UNSUBSCRIBE || type === PUBREL) {
        if (fixedFlags !== 2) return false;
      } else if (type === PUBACK || type === PUBREC || type === PUBCOMP) {
        if (fixedFlags !== 0 || length < 2) return false;
      } else {
        return false;
      }
      at = r.pos + length;
      packets++;
    }
    return packets > 0 && at === b.length;
  } catch {
    return false;
  }
}

export const mqtt: ProtocolParser<MqttState> = {
  name: 'MQTT',
  l4: 'tcp',
  defaultPorts: [1883, 8883],
  infer(payload, direction) {
    if (payload[0] !== 0x10) return looksLikePackets(payload, direction);
    if (direction !== 'toServer' || payload.length < 12) return false;
    try {
      const r = new ByteReader(payload, 1);
      r.uvarint();
      const name = readString(r);
      const level = r.u8();
      return (name === 'MQTT' && (level === 4 || level === 5)) || (name === 'MQIsdp' && level === 3);
    } catch {
      return false;
    }
  },
  createState(options) {
    return { options: parseOptions(options), buffers: duplexBuffers(), version: 4 };
  },
  gap(state, direction, bytes) {
    return gapInFrames(state.buffers[direction], bytes, (b) => readPacket(state, direction, b, true));
  },
  parse(payload, direction, state) {
    return readFrames(state.buffers[direction], payload, (b) => readPacket(state, direction, b));
  },
};
