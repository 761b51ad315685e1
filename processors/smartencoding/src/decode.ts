// Ids back to attributes, for exporters that do not store ids (OTLP, remote write, debug):
// each id attribute becomes its entry's tag set. The `resource` entry (what the resource
// said that no other entry reproduced) comes last and wins, so every attribute the resource
// arrived with is restored with its value; the entries add what /proc and the API server knew.
import type { Batch } from '@flowtel/core';
import type { KeyValue, Resource, ResourceLogs } from '@flowtel/pdata';
import type { TagDictionary } from './dictionary.ts';
import {
  DICT_NAME_ATTRIBUTE,
  DICT_VERSION_ATTRIBUTE,
  L7_SCOPE_NAME,
  TAG_KINDS,
  kindOfIdAttribute,
  kindOfPeerAttribute,
  type TagKind,
} from '@flowtel/core/smartencoding';
import { DECODED_PEER_PREFIX } from './peer.ts';
import { anyValueOf } from './value.ts';

const intOf = (kv: KeyValue): bigint | undefined => ('intValue' in kv.value ? kv.value.intValue : undefined);

/** The decoded attributes; id attributes whose entries the dictionary lacks stay as they are. */
export function decodeAttributes(attributes: KeyValue[], dictionary: TagDictionary): KeyValue[] {
  const ids = new Map<TagKind, bigint>();
  const kept: KeyValue[] = [];
  for (const kv of attributes) {
    const kind = kindOfIdAttribute(kv.key);
    const id = kind ? intOf(kv) : undefined;
    if (kind && id !== undefined && dictionary.get(kind, id)) ids.set(kind, id);
    else if (kv.key !== DICT_VERSION_ATTRIBUTE && kv.key !== DICT_NAME_ATTRIBUTE) kept.push(kv);
  }
  if (ids.size === 0) return attributes;
  const merged = new Map<string, KeyValue>();
  for (const kv of kept) merged.set(kv.key, kv);
  for (const kind of TAG_KINDS) {
    const id = ids.get(kind);
    if (id === undefined) continue;
    for (const [key, value] of dictionary.get(kind, id)!.attributes) {
      if (kind === 'resource' || !merged.has(key)) merged.set(key, { key, value: anyValueOf(value) });
    }
  }
  return [...merged.values()];
}

const decodedResource = (r: Resource, d: TagDictionary): Resource => ({
  ...r,
  attributes: decodeAttributes(r.attributes, d),
});

/** A request log's peer ids as `flowtel.peer.<attribute>`; unknown ids stay as they are. */
export function decodePeerAttributes(attributes: KeyValue[], dictionary: TagDictionary): KeyValue[] {
  if (!attributes.some((kv) => kindOfPeerAttribute(kv.key))) return attributes;
  const out: KeyValue[] = [];
  for (const kv of attributes) {
    const kind = kindOfPeerAttribute(kv.key);
    const entry = kind ? dictionary.get(kind, intOf(kv) ?? 0n) : undefined;
    if (!entry) {
      out.push(kv);
      continue;
    }
    for (const [key, value] of entry.attributes) out.push({ key: DECODED_PEER_PREFIX + key, value: anyValueOf(value) });
  }
  return out;
}

function decodedResourceLogs(r: ResourceLogs, d: TagDictionary): ResourceLogs {
  return {
    ...r,
    resource: decodedResource(r.resource, d),
    scopeLogs: r.scopeLogs.map((s) =>
      s.scope.name !== L7_SCOPE_NAME
        ? s
        : { ...s, logRecords: s.logRecords.map((l) => ({ ...l, attributes: decodePeerAttributes(l.attributes, d) })) },
    ),
  };
}

/**
 * A copy of the batch with full attributes in place of ids; the input is not changed, so an
 * exporter may decode a batch other exporters share.
 */
export function decodeBatch<B extends Batch>(batch: B, dictionary: TagDictionary): B {
  switch (batch.signal) {
    case 'traces':
      return {
        ...batch,
        data: {
          resourceSpans: batch.data.resourceSpans.map((r) => ({
            ...r,
            resource: decodedResource(r.resource, dictionary),
          })),
        },
      };
    case 'logs':
      return {
        ...batch,
        data: { resourceLogs: batch.data.resourceLogs.map((r) => decodedResourceLogs(r, dictionary)) },
      };
    case 'metrics':
      return {
        ...batch,
        data: {
          resourceMetrics: batch.data.resourceMetrics.map((r) => ({
            ...r,
            resource: decodedResource(r.resource, dictionary),
          })),
        },
      };
    default:
      return batch;
  }
}
