// profiles.proto (v1development) in OTLP/JSON: lowerCamelCase keys, 64-bit integers as decimal
// strings, profile, trace and span ids as hex, as the collector's pprofile writes them.
import type {
  KeyValueAndUnit,
  Profile,
  ProfileFunction,
  ProfileLine,
  ProfileLink,
  ProfileLocation,
  ProfileMapping,
  Profiles,
  ProfilesDictionary,
  ProfileSample,
  ProfileStack,
  ProfileValueType,
} from '../model.ts';
import type { EncodeBuffer } from '../encode-buffer.ts';
import { PROFILES_LAYOUT } from '../signal-layout.ts';
import { emptyDictionary } from '../proto/profiles.ts';
import { anyValueFromJson, writeAnyValue } from './common.ts';
import { envelopeFromJson, writeEnvelope, type JsonSignal } from './envelope.ts';
import {
  arrayField,
  asArray,
  asObject,
  bytesField,
  field,
  idField,
  int64Field,
  intField,
  stringField,
  toBigInt,
  uint32Field,
  type JsonObject,
} from './values.ts';
import type { JsonWriter, WriteValue } from './writer.ts';

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

// ---- the messages, as tables: one reader and one writer serve them all ----

/**
 * How a field is read and written: a scalar by its proto type (int64 is signed, uint64 and
 * fixed64 are not), a list of scalars, a nested message (a table: written only when it holds a
 * non-default field) or a list of messages (`[table]`: each entry an object, even when empty,
 * since entry 0 of a dictionary table must be present).
 */
type Kind =
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'string'
  | 'bytes'
  | 'traceId'
  | 'spanId'
  | 'anyValue'
  | 'int32s'
  | 'int64s'
  | 'uint64s'
  | 'strings'
  | Table<any>
  | readonly [Table<any>];
type Table<T> = readonly (readonly [keyof T & string, Kind])[];

const VALUE_TYPE: Table<ProfileValueType> = [
  ['typeStrindex', 'int32'],
  ['unitStrindex', 'int32'],
];
const SAMPLE: Table<ProfileSample> = [
  ['stackIndex', 'int32'],
  ['attributeIndices', 'int32s'],
  ['linkIndex', 'int32'],
  ['values', 'int64s'],
  ['timestampsUnixNano', 'uint64s'],
];
const PROFILE: Table<Profile> = [
  ['sampleType', VALUE_TYPE],
  ['samples', [SAMPLE]],
  ['timeUnixNano', 'uint64'],
  ['durationNano', 'uint64'],
  ['periodType', VALUE_TYPE],
  ['period', 'int64'],
  ['profileId', 'traceId'],
  ['droppedAttributesCount', 'uint32'],
  ['originalPayloadFormat', 'string'],
  ['originalPayload', 'bytes'],
  ['attributeIndices', 'int32s'],
];
const MAPPING: Table<ProfileMapping> = [
  ['memoryStart', 'uint64'],
  ['memoryLimit', 'uint64'],
  ['fileOffset', 'uint64'],
  ['filenameStrindex', 'int32'],
  ['attributeIndices', 'int32s'],
];
const LINE: Table<ProfileLine> = [
  ['functionIndex', 'int32'],
  ['line', 'int64'],
  ['column', 'int64'],
];
const LOCATION: Table<ProfileLocation> = [
  ['mappingIndex', 'int32'],
  ['address', 'uint64'],
  ['lines', [LINE]],
  ['attributeIndices', 'int32s'],
];
const FUNCTION: Table<ProfileFunction> = [
  ['nameStrindex', 'int32'],
  ['systemNameStrindex', 'int32'],
  ['filenameStrindex', 'int32'],
  ['startLine', 'int64'],
];
const LINK: Table<ProfileLink> = [
  ['traceId', 'traceId'],
  ['spanId', 'spanId'],
];
const ATTRIBUTE: Table<KeyValueAndUnit> = [
  ['keyStrindex', 'int32'],
  ['value', 'anyValue'],
  ['unitStrindex', 'int32'],
];
const STACK: Table<ProfileStack> = [['locationIndices', 'int32s']];
const DICTIONARY: Table<ProfilesDictionary> = [
  ['mappingTable', [MAPPING]],
  ['locationTable', [LOCATION]],
  ['functionTable', [FUNCTION]],
  ['linkTable', [LINK]],
  ['stringTable', 'strings'],
  ['attributeTable', [ATTRIBUTE]],
  ['stackTable', [STACK]],
];

const PROFILES: JsonSignal<Profile> = {
  layout: PROFILES_LAYOUT,
  itemFromJson: (value, path) => messageFromJson(PROFILE, value, path),
  writeItem: entry(PROFILE),
  requestFromJson(o, request) {
    const d = field(o, 'dictionary');
    request.dictionary = d === undefined ? emptyDictionary() : messageFromJson(DICTIONARY, d, '$.dictionary');
  },
  writeRequestFields(w, request) {
    w.message('dictionary', request.dictionary as ProfilesDictionary, (w, d) => writeFields(DICTIONARY, w, d));
  },
};

export function profilesFromJson(input: string | object): Profiles {
  return envelopeFromJson(input, PROFILES, 'profiles') as unknown as Profiles;
}

/** An ExportProfilesServiceRequest as OTLP/JSON, UTF-8 encoded (into `reused`'s memory when given: valid until its next use). */
export function encodeProfilesJson(data: Profiles, reused?: EncodeBuffer): Uint8Array {
  return writeEnvelope(data, PROFILES, reused).toBytes();
}

export function profilesToJson(data: Profiles): string {
  return writeEnvelope(data, PROFILES).toText();
}

// ---- input ----

const int32Element = (v: unknown, path: string) => intField({ v }, 'v', path, INT32_MIN, INT32_MAX);

function messageFromJson<T>(table: Table<T>, value: unknown, path: string): T {
  const o = asObject(value, path);
  const message: Record<string, unknown> = {};
  for (const [key, kind] of table) message[key] = fieldFromJson(o, key, kind, path);
  return message as T;
}

function fieldFromJson(o: JsonObject, key: string, kind: Kind, path: string): unknown {
  if (typeof kind !== 'string') {
    if (isList(kind)) return arrayField(o, key, path, (v, p) => messageFromJson(kind[0], v, p));
    // an absent message is one with every field at its default
    return messageFromJson(kind, field(o, key) ?? {}, `${path}.${key}`);
  }
  switch (kind) {
    case 'int32':
      return intField(o, key, path, INT32_MIN, INT32_MAX);
    case 'uint32':
      return uint32Field(o, key, path);
    case 'int64':
    case 'uint64':
      return int64Field(o, key, path, kind === 'int64');
    case 'string':
      return stringField(o, key, path);
    case 'bytes':
      return bytesField(o, key, path);
    case 'traceId':
    case 'spanId':
      return idField(o, key, path, kind === 'traceId' ? 16 : 8);
    case 'anyValue': {
      const v = field(o, key);
      return v === undefined ? {} : anyValueFromJson(v, `${path}.${key}`);
    }
    case 'int32s':
      return arrayField(o, key, path, int32Element);
    case 'int64s':
    case 'uint64s':
      return asArray(field(o, key), `${path}.${key}`).map((v, i) =>
        toBigInt(v, `${path}.${key}[${i}]`, kind === 'int64s'),
      );
    case 'strings':
      return arrayField(o, key, path, (v, p) => stringField({ v }, 'v', p));
  }
}

const isList = (kind: Kind): kind is readonly [Table<any>] => kind.length === 1 && Array.isArray(kind[0]);

// ---- output ----

const writeNumber: WriteValue<number> = (w, n) => w.numberValue(n);
const writeInt64: WriteValue<bigint> = (w, n) => w.int64Value(n);
const writeString: WriteValue<string> = (w, s) => w.stringValue(s);

function writeFields<T>(table: Table<T>, w: JsonWriter, message: T): void {
  for (const [key, kind] of table) writeField(w, key, kind, message[key]);
}

/** A message as a list entry or an item: an object even when every field is the default. */
function entry<T>(table: Table<T>): WriteValue<T> {
  return (w, message) => {
    w.open();
    writeFields(table, w, message);
    w.close();
  };
}

function writeField(w: JsonWriter, key: string, kind: Kind, value: any): void {
  if (typeof kind !== 'string') {
    if (isList(kind)) w.list(key, value, entry(kind[0]));
    else w.message(key, value, (w, v) => writeFields(kind, w, v));
    return;
  }
  switch (kind) {
    case 'int32':
    case 'uint32':
      return w.num(key, value);
    case 'int64':
    case 'uint64':
      return w.int64(key, value);
    case 'string':
      return w.str(key, value);
    case 'bytes':
      return w.bytes(key, value);
    case 'traceId':
    case 'spanId':
      return w.id(key, value);
    case 'anyValue':
      if (Object.keys(value).length === 0) return;
      w.key(key);
      return writeAnyValue(w, value);
    case 'int32s':
      return w.list(key, value, writeNumber);
    case 'int64s':
    case 'uint64s':
      return w.list(key, value, writeInt64);
    case 'strings':
      return w.list(key, value, writeString);
  }
}
