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

const PROFILES: JsonSignal<Profile> = {
  layout: PROFILES_LAYOUT,
  itemFromJson: profileFromJson,
  writeItem: writeProfile,
  requestFromJson(o, request) {
    const d = field(o, 'dictionary');
    request.dictionary = d === undefined ? emptyDictionary() : dictionaryFromJson(d, '$.dictionary');
  },
  writeRequestFields(w, request) {
    w.message('dictionary', request.dictionary as ProfilesDictionary, writeDictionary);
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

const int32 = (o: JsonObject, key: string, path: string) => intField(o, key, path, INT32_MIN, INT32_MAX);

function int32s(o: JsonObject, key: string, path: string): number[] {
  return arrayField(o, key, path, (v, p) => intField({ v }, 'v', p, INT32_MIN, INT32_MAX));
}

function int64s(o: JsonObject, key: string, path: string, signed: boolean): bigint[] {
  return asArray(field(o, key), `${path}.${key}`).map((v, i) => toBigInt(v, `${path}.${key}[${i}]`, signed));
}

function valueTypeFromJson(o: JsonObject, key: string, path: string): ProfileValueType {
  const v = field(o, key);
  if (v === undefined) return { typeStrindex: 0, unitStrindex: 0 };
  const t = asObject(v, `${path}.${key}`);
  return {
    typeStrindex: int32(t, 'typeStrindex', `${path}.${key}`),
    unitStrindex: int32(t, 'unitStrindex', `${path}.${key}`),
  };
}

function profileFromJson(value: unknown, path: string): Profile {
  const o = asObject(value, path);
  return {
    sampleType: valueTypeFromJson(o, 'sampleType', path),
    samples: arrayField(o, 'samples', path, sampleFromJson),
    timeUnixNano: int64Field(o, 'timeUnixNano', path),
    durationNano: int64Field(o, 'durationNano', path),
    periodType: valueTypeFromJson(o, 'periodType', path),
    period: int64Field(o, 'period', path, true),
    profileId: idField(o, 'profileId', path, 16),
    droppedAttributesCount: uint32Field(o, 'droppedAttributesCount', path),
    originalPayloadFormat: stringField(o, 'originalPayloadFormat', path),
    originalPayload: bytesField(o, 'originalPayload', path),
    attributeIndices: int32s(o, 'attributeIndices', path),
  };
}

function sampleFromJson(value: unknown, path: string): ProfileSample {
  const o = asObject(value, path);
  return {
    stackIndex: int32(o, 'stackIndex', path),
    attributeIndices: int32s(o, 'attributeIndices', path),
    linkIndex: int32(o, 'linkIndex', path),
    values: int64s(o, 'values', path, true),
    timestampsUnixNano: int64s(o, 'timestampsUnixNano', path, false),
  };
}

function dictionaryFromJson(value: unknown, path: string): ProfilesDictionary {
  const o = asObject(value, path);
  return {
    mappingTable: arrayField(o, 'mappingTable', path, (v, p): ProfileMapping => {
      const m = asObject(v, p);
      return {
        memoryStart: int64Field(m, 'memoryStart', p),
        memoryLimit: int64Field(m, 'memoryLimit', p),
        fileOffset: int64Field(m, 'fileOffset', p),
        filenameStrindex: int32(m, 'filenameStrindex', p),
        attributeIndices: int32s(m, 'attributeIndices', p),
      };
    }),
    locationTable: arrayField(o, 'locationTable', path, (v, p): ProfileLocation => {
      const l = asObject(v, p);
      return {
        mappingIndex: int32(l, 'mappingIndex', p),
        address: int64Field(l, 'address', p),
        lines: arrayField(l, 'lines', p, (v, p): ProfileLine => {
          const line = asObject(v, p);
          return {
            functionIndex: int32(line, 'functionIndex', p),
            line: int64Field(line, 'line', p, true),
            column: int64Field(line, 'column', p, true),
          };
        }),
        attributeIndices: int32s(l, 'attributeIndices', p),
      };
    }),
    functionTable: arrayField(o, 'functionTable', path, (v, p): ProfileFunction => {
      const f = asObject(v, p);
      return {
        nameStrindex: int32(f, 'nameStrindex', p),
        systemNameStrindex: int32(f, 'systemNameStrindex', p),
        filenameStrindex: int32(f, 'filenameStrindex', p),
        startLine: int64Field(f, 'startLine', p, true),
      };
    }),
    linkTable: arrayField(o, 'linkTable', path, (v, p): ProfileLink => {
      const l = asObject(v, p);
      return { traceId: idField(l, 'traceId', p, 16), spanId: idField(l, 'spanId', p, 8) };
    }),
    stringTable: arrayField(o, 'stringTable', path, (v, p) => stringField({ v }, 'v', p)),
    attributeTable: arrayField(o, 'attributeTable', path, (v, p): KeyValueAndUnit => {
      const a = asObject(v, p);
      const value = field(a, 'value');
      return {
        keyStrindex: int32(a, 'keyStrindex', p),
        value: value === undefined ? {} : anyValueFromJson(value, `${p}.value`),
        unitStrindex: int32(a, 'unitStrindex', p),
      };
    }),
    stackTable: arrayField(o, 'stackTable', path, (v, p): ProfileStack => ({
      locationIndices: int32s(asObject(v, p), 'locationIndices', p),
    })),
  };
}

// ---- output ----

const writeNumber: WriteValue<number> = (w, n) => w.numberValue(n);
const writeInt64: WriteValue<bigint> = (w, n) => w.int64Value(n);
const writeString: WriteValue<string> = (w, s) => w.stringValue(s);

/** A table entry: an object even when every field is the default (entry 0 must be present). */
function entry<T>(write: (w: JsonWriter, value: T) => void): WriteValue<T> {
  return (w, value) => {
    w.open();
    write(w, value);
    w.close();
  };
}

function writeValueType(w: JsonWriter, v: ProfileValueType): void {
  w.num('typeStrindex', v.typeStrindex);
  w.num('unitStrindex', v.unitStrindex);
}

const writeSample = entry<ProfileSample>((w, s) => {
  w.num('stackIndex', s.stackIndex);
  w.list('attributeIndices', s.attributeIndices, writeNumber);
  w.num('linkIndex', s.linkIndex);
  w.list('values', s.values, writeInt64);
  w.list('timestampsUnixNano', s.timestampsUnixNano, writeInt64);
});

function writeProfile(w: JsonWriter, p: Profile): void {
  w.open();
  w.message('sampleType', p.sampleType, writeValueType);
  w.list('samples', p.samples, writeSample);
  w.int64('timeUnixNano', p.timeUnixNano);
  w.int64('durationNano', p.durationNano);
  w.message('periodType', p.periodType, writeValueType);
  w.int64('period', p.period);
  w.id('profileId', p.profileId);
  w.num('droppedAttributesCount', p.droppedAttributesCount);
  w.str('originalPayloadFormat', p.originalPayloadFormat);
  w.bytes('originalPayload', p.originalPayload);
  w.list('attributeIndices', p.attributeIndices, writeNumber);
  w.close();
}

function writeDictionary(w: JsonWriter, d: ProfilesDictionary): void {
  w.list(
    'mappingTable',
    d.mappingTable,
    entry((w, m) => {
      w.int64('memoryStart', m.memoryStart);
      w.int64('memoryLimit', m.memoryLimit);
      w.int64('fileOffset', m.fileOffset);
      w.num('filenameStrindex', m.filenameStrindex);
      w.list('attributeIndices', m.attributeIndices, writeNumber);
    }),
  );
  w.list(
    'locationTable',
    d.locationTable,
    entry((w, l) => {
      w.num('mappingIndex', l.mappingIndex);
      w.int64('address', l.address);
      w.list(
        'lines',
        l.lines,
        entry((w, line) => {
          w.num('functionIndex', line.functionIndex);
          w.int64('line', line.line);
          w.int64('column', line.column);
        }),
      );
      w.list('attributeIndices', l.attributeIndices, writeNumber);
    }),
  );
  w.list(
    'functionTable',
    d.functionTable,
    entry((w, f) => {
      w.num('nameStrindex', f.nameStrindex);
      w.num('systemNameStrindex', f.systemNameStrindex);
      w.num('filenameStrindex', f.filenameStrindex);
      w.int64('startLine', f.startLine);
    }),
  );
  w.list(
    'linkTable',
    d.linkTable,
    entry((w, l) => {
      w.id('traceId', l.traceId);
      w.id('spanId', l.spanId);
    }),
  );
  w.list('stringTable', d.stringTable, writeString);
  w.list(
    'attributeTable',
    d.attributeTable,
    entry((w, a) => {
      w.num('keyStrindex', a.keyStrindex);
      if (Object.keys(a.value).length !== 0) {
        w.key('value');
        writeAnyValue(w, a.value);
      }
      w.num('unitStrindex', a.unitStrindex);
    }),
  );
  w.list(
    'stackTable',
    d.stackTable,
    entry((w, s) => w.list('locationIndices', s.locationIndices, writeNumber)),
  );
}
