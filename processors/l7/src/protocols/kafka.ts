// Kafka wire protocol: size-prefixed requests (api key, version, correlation id, client id) and
// responses paired by correlation id. Produce and Fetch name their first topic and partition;
// the error code is read where the response layout puts it for the APIs listed below.

import { ascii, i32be, u16be } from '../bytes.ts';
import { MORE, gapInFrames, readFrames, type FrameStep } from '../frame-loop.ts';
import type { L7Message } from '../message.ts';
import { failure, parseOptions, type Direction, type ParseOptions, type ProtocolParser } from '../parser.ts';
import { duplexBuffers, type DuplexBuffers } from '../stream-buffer.ts';
import { ByteReader } from './byte-reader.ts';

const API_NAMES = [
  'Produce',
  'Fetch',
  'ListOffsets',
  'Metadata',
  'LeaderAndIsr',
  'StopReplica',
  'UpdateMetadata',
  'ControlledShutdown',
  'OffsetCommit',
  'OffsetFetch',
  'FindCoordinator',
  'JoinGroup',
  'Heartbeat',
  'LeaveGroup',
  'SyncGroup',
  'DescribeGroups',
  'ListGroups',
  'SaslHandshake',
  'ApiVersions',
  'CreateTopics',
  'DeleteTopics',
  'DeleteRecords',
  'InitProducerId',
  'OffsetForLeaderEpoch',
  'AddPartitionsToTxn',
  'AddOffsetsToTxn',
  'EndTxn',
  'WriteTxnMarkers',
  'TxnOffsetCommit',
  'DescribeAcls',
  'CreateAcls',
  'DeleteAcls',
  'DescribeConfigs',
  'AlterConfigs',
  'AlterReplicaLogDirs',
  'DescribeLogDirs',
  'SaslAuthenticate',
  'CreatePartitions',
  'CreateDelegationToken',
  'RenewDelegationToken',
  'ExpireDelegationToken',
  'DescribeDelegationToken',
  'DeleteGroups',
  'ElectLeaders',
  'IncrementalAlterConfigs',
  'AlterPartitionReassignments',
  'ListPartitionReassignments',
  'OffsetDelete',
  'DescribeClientQuotas',
  'AlterClientQuotas',
  'DescribeUserScramCredentials',
  'AlterUserScramCredentials',
];
const PRODUCE = 0;
const FETCH = 1;
const API_VERSIONS = 18;
/** First flexible (compact, tagged-field) version per API key. */
const FIRST_FLEXIBLE: Record<number, number> = {
  0: 9,
  1: 12,
  2: 6,
  3: 9,
  8: 8,
  9: 6,
  10: 3,
  11: 6,
  12: 4,
  13: 4,
  14: 4,
  15: 5,
  16: 3,
  18: 3,
  19: 5,
  20: 4,
  21: 2,
  22: 2,
  23: 4,
  24: 3,
  25: 3,
  26: 3,
  28: 3,
  29: 2,
  30: 2,
  31: 2,
  32: 4,
  33: 2,
  35: 2,
  36: 2,
  37: 2,
  42: 2,
  43: 2,
};
/** Where a response's top-level error code sits: after a throttle time from this version on (or never: undefined); -1: first field. */
const ERROR_AFTER_THROTTLE_FROM: Record<number, number> = { 10: 1, 11: 2, 12: 1, 13: 1, 14: 1, 16: 1, 22: 0, 42: 0 };
const ERROR_FIRST = new Set([17, 18, 36]);
const MAX_READ = 64 * 1024;
const MAX_PENDING = 1024;

interface PendingRequest {
  apiKey: number;
  version: number;
  endpoint: string | undefined;
  topic: string | undefined;
}

export interface KafkaState {
  options: ParseOptions;
  buffers: DuplexBuffers;
  pending: Map<number, PendingRequest>;
}

function flexible(apiKey: number, version: number): boolean {
  const first = FIRST_FLEXIBLE[apiKey];
  return first !== undefined && version >= first;
}

function skipTaggedFields(r: ByteReader): void {
  const count = r.uvarint();
  for (let i = 0; i < count; i++) {
    r.uvarint();
    r.skip(r.uvarint());
  }
}

function readString(r: ByteReader, compact: boolean): string | undefined {
  const length = compact ? r.uvarint() - 1 : r.i16();
  return length < 0 ? undefined : r.utf8(length);
}

function readArrayLength(r: ByteReader, compact: boolean): number {
  return compact ? r.uvarint() - 1 : r.i32();
}

/** First topic and partition of a Produce or Fetch request body. */
function topicOfRequest(
  r: ByteReader,
  apiKey: number,
  version: number,
  compact: boolean,
): { topic?: string; partition?: number; acks?: number } {
  let acks: number | undefined;
  if (apiKey === PRODUCE) {
    if (version >= 3) readString(r, compact);
    acks = r.i16();
    r.skip(4);
  } else {
    if (version <= 14) r.skip(4);
    r.skip(4 + 4);
    if (version >= 3) r.skip(4);
    if (version >= 4) r.skip(1);
    if (version >= 7) r.skip(8);
  }
  if (readArrayLength(r, compact) < 1) return { acks };
  // Fetch 13 and later name topics by id; the id is not a name a reader would recognise.
  if (apiKey === FETCH && version >= 13) return { acks };
  const topic = readString(r, compact);
  if (readArrayLength(r, compact) < 1) return { topic, acks };
  return { topic, partition: r.i32(), acks };
}

/** `head`: b is all the capture kept of this request (see gapInFrames). */
function readRequest(state: KafkaState, b: Uint8Array, head = false): FrameStep {
  if (b.length < 4) return MORE;
  const size = i32be(b, 0);
  if (size < 8 || size > 0x7fffffff - 4) return failure(`bad Kafka request size ${size}`);
  const wanted = Math.min(4 + size, MAX_READ, head ? b.length : MAX_READ);
  if (b.length < wanted) return MORE;
  const r = new ByteReader(b, 4, wanted);
  const apiKey = r.i16();
  const version = r.i16();
  const correlationId = r.i32();
  const clientId = readString(r, false);
  const compact = flexible(apiKey, version);
  const name = API_NAMES[apiKey] ?? `ApiKey${apiKey}`;
  const attributes: L7Message['attributes'] = { 'messaging.system': 'kafka', 'messaging.operation.name': name };
  if (clientId) attributes['messaging.client.id'] = clientId;
  let topic: string | undefined;
  let endpoint: string | undefined;
  let oneWay = false;
  try {
    if (compact) skipTaggedFields(r);
    if (apiKey === PRODUCE || apiKey === FETCH) {
      const found = topicOfRequest(r, apiKey, version, compact);
      topic = found.topic;
      if (topic !== undefined) endpoint = found.partition !== undefined ? `${topic}-${found.partition}` : topic;
      if (apiKey === PRODUCE) {
        // acks=0: the broker sends nothing back.
        oneWay = found.acks === 0;
        attributes['messaging.operation.type'] = 'send';
      } else {
        attributes['messaging.operation.type'] = 'receive';
      }
    }
  } catch {
    // A body cut by the read limit still leaves the header: the request is reported without its topic.
  }
  if (topic) attributes['messaging.destination.name'] = topic;
  if (endpoint && endpoint !== topic)
    attributes['messaging.destination.partition.id'] = endpoint.slice(topic!.length + 1);
  if (!oneWay && state.pending.size < MAX_PENDING)
    state.pending.set(correlationId, { apiKey, version, endpoint, topic });
  const message: L7Message = {
    protocol: 'Kafka',
    kind: oneWay ? 'session' : 'request',
    request_type: name,
    request_id: correlationId,
    pair_key: String(correlationId),
    size: 4 + size,
    attributes,
  };
  if (topic) message.request_resource = topic;
  if (endpoint) message.endpoint = endpoint;
  return { consumed: wanted, skip: 4 + size - wanted, messages: [message] };
}

function errorCodeOf(r: ByteReader, request: PendingRequest, compact: boolean): number | undefined {
  const { apiKey, version } = request;
  if (ERROR_FIRST.has(apiKey)) return r.i16();
  const throttleFrom = ERROR_AFTER_THROTTLE_FROM[apiKey];
  if (throttleFrom !== undefined) {
    if (version >= throttleFrom) r.skip(4);
    return r.i16();
  }
  if (apiKey === FETCH) {
    if (version >= 1) r.skip(4);
    if (version >= 7) {
      const top = r.i16();
      if (top !== 0) return top;
      r.skip(4);
    }
    if (readArrayLength(r, compact) < 1) return 0;
    if (version >= 13) r.skip(16);
    else readString(r, compact);
    if (readArrayLength(r, compact) < 1) return 0;
    r.skip(4);
    return r.i16();
  }
  if (apiKey === PRODUCE) {
    if (readArrayLength(r, compact) < 1) return 0;
    readString(r, compact);
    if (readArrayLength(r, compact) < 1) return 0;
    r.skip(4);
    return r.i16();
  }
  return undefined;
}

function readResponse(state: KafkaState, b: Uint8Array, head = false): FrameStep {
  if (b.length < 4) return MORE;
  const size = i32be(b, 0);
  if (size < 4 || size > 0x7fffffff - 4) return failure(`bad Kafka response size ${size}`);
  const wanted = Math.min(4 + size, MAX_READ, head ? b.length : MAX_READ);
  if (b.length < wanted) return MORE;
  const r = new ByteReader(b, 4, wanted);
  const correlationId = r.i32();
  const request = state.pending.get(correlationId);
  state.pending.delete(correlationId);
  const message: L7Message = {
    protocol: 'Kafka',
    kind: 'response',
    request_id: correlationId,
    pair_key: String(correlationId),
    response_status: 'ok',
    size: 4 + size,
    attributes: { 'messaging.system': 'kafka' },
  };
  if (request) {
    message.request_type = API_NAMES[request.apiKey] ?? `ApiKey${request.apiKey}`;
    if (request.endpoint) message.endpoint = request.endpoint;
    const compact = flexible(request.apiKey, request.version);
    try {
      // ApiVersions answers with the old header whatever its version, so an old client can read it.
      if (compact && request.apiKey !== API_VERSIONS) skipTaggedFields(r);
      const code = errorCodeOf(r, request, compact);
      if (code !== undefined) {
        message.response_code = code;
        if (code !== 0) {
          message.response_status = 'server_error';
          message.attributes['error.type'] = String(code);
        }
      }
    } catch {
      // Cut by the read limit: the response is reported without its error code.
    }
  }
  return { consumed: wanted, skip: 4 + size - wanted, messages: [message] };
}

export const kafka: ProtocolParser<KafkaState> = {
  name: 'Kafka',
  l4: 'tcp',
  defaultPorts: [9092, 9093, 9094],
  infer(payload, direction) {
    if (direction !== 'toServer' || payload.length < 14) return false;
    const size = i32be(payload, 0);
    const apiKey = u16be(payload, 4);
    const version = u16be(payload, 6);
    const clientIdLength = (u16be(payload, 12) << 16) >> 16;
    // The first request on a connection (ApiVersions, Metadata) is small; a size far past the
    // payload is more likely another protocol's header (FastCGI's starts 01 01 00 01).
    if (size < 10 || size + 4 < payload.length || size > payload.length + (1 << 20)) return false;
    if (apiKey >= API_NAMES.length || version > 20 || i32be(payload, 8) < 0) return false;
    if (clientIdLength === -1) return true;
    return (
      clientIdLength >= 0 &&
      14 + clientIdLength <= payload.length &&
      /^[\x20-\x7e]*$/.test(ascii(payload, 14, 14 + clientIdLength))
    );
  },
  createState(options) {
    return { options: parseOptions(options), buffers: duplexBuffers(), pending: new Map() };
  },
  gap(state, direction, bytes) {
    return gapInFrames(state.buffers[direction], bytes, (b) =>
      direction === 'toServer' ? readRequest(state, b, true) : readResponse(state, b, true),
    );
  },
  parse(payload, direction: Direction, state) {
    return readFrames(state.buffers[direction], payload, (b) =>
      direction === 'toServer' ? readRequest(state, b) : readResponse(state, b),
    );
  },
};
