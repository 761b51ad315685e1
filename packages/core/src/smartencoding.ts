// SmartEncoding's vocabulary, the contract between the processor that gives tag sets ids and
// the stores and exporters that write or decode them: the tag kinds, the attribute names
// records carry ids under, how a dictionary entry and its values look, and the key under which
// a processor offers its dictionary through the host.
import { createHash } from 'node:crypto';
import { sharedKey } from './shared.ts';

/**
 * Each kind is one dictionary namespace: ids are unique within a kind. `agent` is this
 * collector with the user's `tags`; `resource` holds whatever resource attributes no other
 * kind explains, so an encoded resource carries nothing but ids.
 */
export const TAG_KINDS = [
  'agent',
  'host',
  'process',
  'container',
  'pod',
  'namespace',
  'node',
  'workload',
  'service',
  'resource',
] as const;
export type TagKind = (typeof TAG_KINDS)[number];

export const TAG_PREFIX = 'flowtel.tag.';
/** `flowtel.tag.pod_id` and so on: the id of the record's entry of that kind. */
export const idAttribute = (kind: TagKind) => `${TAG_PREFIX}${kind}_id`;
/** The dictionary version an encoded resource was written against. */
export const DICT_VERSION_ATTRIBUTE = `${TAG_PREFIX}dict_version`;
/** Which dictionary (the smartencoding processor id) the ids belong to. */
export const DICT_NAME_ATTRIBUTE = `${TAG_PREFIX}dictionary`;

const ID_ATTRIBUTES = new Map<string, TagKind>(TAG_KINDS.map((k) => [idAttribute(k), k]));

/** The kind an id attribute names, e.g. `flowtel.tag.pod_id` → `pod`. */
export const kindOfIdAttribute = (key: string): TagKind | undefined => ID_ATTRIBUTES.get(key);

export const isTagAttribute = (key: string) => key.startsWith(TAG_PREFIX);

/** The instrumentation scope of the l7 processor's request logs. */
export const L7_SCOPE_NAME = 'flowtel.l7';

/**
 * A request log's other end, known by IP: when that IP is a pod's, the record carries the
 * peer's pod-level ids too, as DeepFlow fills both the _0 and _1 tag columns.
 */
export const PEER_KINDS = ['pod', 'namespace', 'node', 'workload', 'service'] as const satisfies readonly TagKind[];
const PEER_PREFIX = `${TAG_PREFIX}peer.`;
/** `flowtel.tag.peer.pod_id`: the peer's entry of a kind, on the request log record. */
export const peerIdAttribute = (kind: TagKind) => `${PEER_PREFIX}${kind}_id`;
const PEER_ATTRIBUTES = new Map<string, TagKind>(PEER_KINDS.map((k) => [peerIdAttribute(k), k]));
export const kindOfPeerAttribute = (key: string): TagKind | undefined => PEER_ATTRIBUTES.get(key);

/** A stored attribute value: a primitive AnyValue, lossless in JSON (64-bit ints as decimal text). */
export type TagValue = { s: string } | { i: string } | { d: number } | { b: boolean };
export type TagAttributes = Array<[string, TagValue]>;

/** The value as text, for names, dictionary rows in a store and SQL filters. */
export function tagValueText(v: TagValue): string {
  if ('s' in v) return v.s;
  if ('i' in v) return v.i;
  if ('d' in v) return String(v.d);
  return String(v.b);
}

export interface TagEntry {
  kind: TagKind;
  /** tagId(kind, key): 0 means "none" in id columns */
  id: bigint;
  /** what identifies the thing: a pod's uid, a process's host, pid and start time */
  key: string;
  /** the display name a query filters and groups by: the pod name, the host name */
  name: string;
  /** the full tag set, under OpenTelemetry attribute names */
  attributes: TagAttributes;
  /** the dictionary version that last set this entry */
  version: number;
  /**
   * when the entry was last set (ms since the epoch): the store keeps the newest of the copies
   * several collectors wrote, which their own versions cannot order
   */
  time: number;
}

/**
 * The id of a tag set: the first 63 bits of SHA-256 over its kind and key (the thing's identity:
 * a pod's uid, a process's host, pid and start time). Content-derived, so every collector that
 * sees the same pod gives it the same id with nobody to ask, and collectors writing one store
 * never hand one id to two things but by a hash collision (about n^2 / 2^64 for n entries of a
 * kind: 5e-8 at a million). 63 bits keep it positive in OTLP's int64 and ClickHouse's UInt64;
 * 0 is "none", so a zero hash becomes 1.
 */
export function tagId(kind: TagKind, key: string): bigint {
  const digest = createHash('sha256').update(kind).update('\0').update(key).digest();
  const id = digest.readBigUInt64BE(0) & 0x7fff_ffff_ffff_ffffn;
  return id === 0n ? 1n : id;
}

/**
 * Entries that travel in-band, on the resources of the records that use them: a JSON array of
 * InBandEntry under this resource attribute, which any OTLP hop passes on as it is. A store that
 * lacks the entries of a batch's ids takes them from here.
 */
export const ENTRIES_ATTRIBUTE = `${TAG_PREFIX}entries`;

/** An entry as sent in-band: the id as decimal text (JSON has no 64-bit integers). */
interface InBandEntry {
  kind: TagKind;
  id: string;
  name: string;
  attributes: TagAttributes;
  time: number;
}

/** The in-band form of entries (the ENTRIES_ATTRIBUTE value). */
export function entriesToText(entries: readonly TagEntry[]): string {
  return JSON.stringify(
    entries.map((e): InBandEntry => ({
      kind: e.kind,
      id: e.id.toString(),
      name: e.name,
      attributes: e.attributes,
      time: e.time,
    })),
  );
}

/** An entry read back from its in-band form; key and version are the sender's and are not sent. */
export type ReceivedEntry = Omit<TagEntry, 'key' | 'version'>;

const TAG_KIND_SET = new Set<string>(TAG_KINDS);

/** Entries from their in-band form; throws on anything that is not one. */
export function entriesFromText(text: string): ReceivedEntry[] {
  const parsed = JSON.parse(text) as unknown;
  if (!Array.isArray(parsed)) throw new Error(`${ENTRIES_ATTRIBUTE} is not a JSON array`);
  return parsed.map((e: Partial<InBandEntry>) => {
    if (
      typeof e !== 'object' ||
      !TAG_KIND_SET.has(e.kind as string) ||
      typeof e.id !== 'string' ||
      !/^[1-9][0-9]{0,18}$/.test(e.id) ||
      typeof e.name !== 'string' ||
      !Array.isArray(e.attributes) ||
      typeof e.time !== 'number'
    )
      throw new Error(
        `${ENTRIES_ATTRIBUTE} holds something that is not a tag entry: ${JSON.stringify(e).slice(0, 200)}`,
      );
    return { kind: e.kind!, id: BigInt(e.id), name: e.name, attributes: e.attributes, time: e.time };
  });
}

/**
 * What a store needs of a dictionary to keep its copy in step: the version grows by one with
 * every entry added or changed, and each entry remembers the version that last set it.
 */
export interface TagEntries {
  readonly version: number;
  changedSince(version: number): TagEntry[];
  get(kind: TagKind, id: bigint): TagEntry | undefined;
}

/**
 * The dictionary a smartencoding processor offers through the host, by the processor's id (the
 * `flowtel.tag.dictionary` attribute of the resources it encoded). The host keeps it until every
 * exporter has stopped, so a queue flushed at shutdown still finds it.
 */
export const TAG_DICTIONARY = sharedKey<TagEntries>('smartencoding.dictionary');
