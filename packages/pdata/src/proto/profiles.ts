// profiles.proto and profiles_service.proto of opentelemetry-proto v1.11.0 (package
// opentelemetry.proto.profiles.v1development; ExportProfilesServiceRequest has ProfilesData's
// shape): the envelope of the other signals plus the request's dictionary (field 2).
import type { EncodeBuffer } from '../encode-buffer.ts';
import type {
  AnyValue,
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
import { PROFILES_LAYOUT } from '../signal-layout.ts';
import { decodeAnyValue, encodeAnyValueField } from './common.ts';
import { decodeEnvelope, encodeEnvelope, type ProtoSignal } from './envelope.ts';
import { EMPTY_BYTES, type ProtoReader } from './reader.ts';
import type { ProtoWriter } from './writer.ts';

// Field numbers by message (profiles.proto), and the wire types of their tags: named here,
// inlined as numbers when compiled (a const enum used in its own file).
// prettier-ignore
const enum Wire { VARINT = 0, I64 = 1, LEN = 2 }
// prettier-ignore
const enum RequestField { dictionary = 2 }
// prettier-ignore
const enum ScopeProfilesField { profiles = 2 }
// prettier-ignore
const enum DictionaryField {
  mappingTable = 1, locationTable = 2, functionTable = 3, linkTable = 4, stringTable = 5,
  attributeTable = 6, stackTable = 7,
}
// prettier-ignore
const enum ProfileField {
  sampleType = 1, samples = 2, timeUnixNano = 3, durationNano = 4, periodType = 5, period = 6,
  profileId = 7, droppedAttributesCount = 8, originalPayloadFormat = 9, originalPayload = 10,
  attributeIndices = 11,
}
// prettier-ignore
const enum ValueTypeField { typeStrindex = 1, unitStrindex = 2 }
// prettier-ignore
const enum SampleField { stackIndex = 1, attributeIndices = 2, linkIndex = 3, values = 4, timestampsUnixNano = 5 }
// prettier-ignore
const enum MappingField { memoryStart = 1, memoryLimit = 2, fileOffset = 3, filenameStrindex = 4, attributeIndices = 5 }
// prettier-ignore
const enum StackField { locationIndices = 1 }
// prettier-ignore
const enum LocationField { mappingIndex = 1, address = 2, lines = 3, attributeIndices = 4 }
// prettier-ignore
const enum LineField { functionIndex = 1, line = 2, column = 3 }
// prettier-ignore
const enum FunctionField { nameStrindex = 1, systemNameStrindex = 2, filenameStrindex = 3, startLine = 4 }
// prettier-ignore
const enum LinkField { traceId = 1, spanId = 2 }
// prettier-ignore
const enum KeyValueAndUnitField { keyStrindex = 1, value = 2, unitStrindex = 3 }

const PROFILES: ProtoSignal<Profile> = {
  layout: PROFILES_LAYOUT,
  decodeItem: decodeProfile,
  encodeItem: encodeProfile,
  decodeRequestField(r, tag, request) {
    if (tag !== ((RequestField.dictionary << 3) | Wire.LEN)) return false;
    // a second dictionary field merges into the first, as protobuf merges messages: tables append
    request.dictionary = decodeDictionary(r, r.len(), request.dictionary as ProfilesDictionary | undefined);
    return true;
  },
  encodeRequestFields(w, request) {
    encodeDictionary(w, request.dictionary as ProfilesDictionary);
  },
};

/** A dictionary with no tables at all (a request without the field). */
export function emptyDictionary(): ProfilesDictionary {
  return {
    mappingTable: [],
    locationTable: [],
    functionTable: [],
    linkTable: [],
    stringTable: [],
    attributeTable: [],
    stackTable: [],
  };
}

export function decodeProfiles(bytes: Uint8Array): Profiles {
  const request = decodeEnvelope(bytes, PROFILES) as unknown as Profiles;
  request.dictionary ??= emptyDictionary();
  return request;
}

/** An ExportProfilesServiceRequest as protobuf (into `reused`'s memory when given: valid until its next use). */
export function encodeProfiles(profiles: Profiles, reused?: EncodeBuffer): Uint8Array<ArrayBuffer> {
  return encodeEnvelope(profiles, PROFILES, reused);
}

// ---- decoding ----

/** A repeated int32 field, packed or not. */
function readInt32s(r: ProtoReader, tag: number, out: number[]): void {
  if ((tag & 7) === Wire.LEN) r.packedInt32(out);
  else out.push(r.int32());
}

function decodeDictionary(r: ProtoReader, end: number, into = emptyDictionary()): ProfilesDictionary {
  const d = into;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case (DictionaryField.mappingTable << 3) | Wire.LEN:
        d.mappingTable.push(decodeMapping(r, r.len()));
        break;
      case (DictionaryField.locationTable << 3) | Wire.LEN:
        d.locationTable.push(decodeLocation(r, r.len()));
        break;
      case (DictionaryField.functionTable << 3) | Wire.LEN:
        d.functionTable.push(decodeFunction(r, r.len()));
        break;
      case (DictionaryField.linkTable << 3) | Wire.LEN:
        d.linkTable.push(decodeLink(r, r.len()));
        break;
      case (DictionaryField.stringTable << 3) | Wire.LEN:
        d.stringTable.push(r.string());
        break;
      case (DictionaryField.attributeTable << 3) | Wire.LEN:
        d.attributeTable.push(decodeKeyValueAndUnit(r, r.len()));
        break;
      case (DictionaryField.stackTable << 3) | Wire.LEN:
        d.stackTable.push(decodeStack(r, r.len()));
        break;
      default:
        r.skip(tag);
    }
  }
  r.expectEnd(end, 'ProfilesDictionary');
  return d;
}

function decodeValueType(r: ProtoReader, end: number): ProfileValueType {
  let typeStrindex = 0;
  let unitStrindex = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((ValueTypeField.typeStrindex << 3) | Wire.VARINT)) typeStrindex = r.int32();
    else if (tag === ((ValueTypeField.unitStrindex << 3) | Wire.VARINT)) unitStrindex = r.int32();
    else r.skip(tag);
  }
  r.expectEnd(end, 'ValueType');
  return { typeStrindex, unitStrindex };
}

function decodeProfile(r: ProtoReader, end: number): Profile {
  let sampleType: ProfileValueType = { typeStrindex: 0, unitStrindex: 0 };
  const samples: ProfileSample[] = [];
  let timeUnixNano = 0n;
  let durationNano = 0n;
  let periodType: ProfileValueType = { typeStrindex: 0, unitStrindex: 0 };
  let period = 0n;
  let profileId = EMPTY_BYTES;
  let droppedAttributesCount = 0;
  let originalPayloadFormat = '';
  let originalPayload = EMPTY_BYTES;
  const attributeIndices: number[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case (ProfileField.sampleType << 3) | Wire.LEN:
        sampleType = decodeValueType(r, r.len());
        break;
      case (ProfileField.samples << 3) | Wire.LEN:
        samples.push(decodeSample(r, r.len()));
        break;
      case (ProfileField.timeUnixNano << 3) | Wire.I64:
        timeUnixNano = r.fixed64();
        break;
      case (ProfileField.durationNano << 3) | Wire.VARINT:
        durationNano = r.uint64();
        break;
      case (ProfileField.periodType << 3) | Wire.LEN:
        periodType = decodeValueType(r, r.len());
        break;
      case (ProfileField.period << 3) | Wire.VARINT:
        period = r.int64();
        break;
      case (ProfileField.profileId << 3) | Wire.LEN:
        profileId = r.id(16, 'Profile.profile_id');
        break;
      case (ProfileField.droppedAttributesCount << 3) | Wire.VARINT:
        droppedAttributesCount = r.uint32();
        break;
      case (ProfileField.originalPayloadFormat << 3) | Wire.LEN:
        originalPayloadFormat = r.string();
        break;
      case (ProfileField.originalPayload << 3) | Wire.LEN:
        originalPayload = r.bytes();
        break;
      case (ProfileField.attributeIndices << 3) | Wire.LEN:
      case (ProfileField.attributeIndices << 3) | Wire.VARINT:
        readInt32s(r, tag, attributeIndices);
        break;
      default:
        r.skip(tag);
    }
  }
  r.expectEnd(end, 'Profile');
  return {
    sampleType,
    samples,
    timeUnixNano,
    durationNano,
    periodType,
    period,
    profileId,
    droppedAttributesCount,
    originalPayloadFormat,
    originalPayload,
    attributeIndices,
  };
}

function decodeSample(r: ProtoReader, end: number): ProfileSample {
  let stackIndex = 0;
  const attributeIndices: number[] = [];
  let linkIndex = 0;
  const values: bigint[] = [];
  const timestampsUnixNano: bigint[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case (SampleField.stackIndex << 3) | Wire.VARINT:
        stackIndex = r.int32();
        break;
      case (SampleField.attributeIndices << 3) | Wire.LEN:
      case (SampleField.attributeIndices << 3) | Wire.VARINT:
        readInt32s(r, tag, attributeIndices);
        break;
      case (SampleField.linkIndex << 3) | Wire.VARINT:
        linkIndex = r.int32();
        break;
      case (SampleField.values << 3) | Wire.LEN: {
        const from = values.length;
        r.packedUint64(values);
        for (let i = from; i < values.length; i++) values[i] = BigInt.asIntN(64, values[i]);
        break;
      }
      case (SampleField.values << 3) | Wire.VARINT:
        values.push(r.int64());
        break;
      case (SampleField.timestampsUnixNano << 3) | Wire.LEN:
        r.packedFixed64(timestampsUnixNano);
        break;
      case (SampleField.timestampsUnixNano << 3) | Wire.I64:
        timestampsUnixNano.push(r.fixed64());
        break;
      default:
        r.skip(tag);
    }
  }
  r.expectEnd(end, 'Sample');
  return { stackIndex, attributeIndices, linkIndex, values, timestampsUnixNano };
}

function decodeMapping(r: ProtoReader, end: number): ProfileMapping {
  let memoryStart = 0n;
  let memoryLimit = 0n;
  let fileOffset = 0n;
  let filenameStrindex = 0;
  const attributeIndices: number[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case (MappingField.memoryStart << 3) | Wire.VARINT:
        memoryStart = r.uint64();
        break;
      case (MappingField.memoryLimit << 3) | Wire.VARINT:
        memoryLimit = r.uint64();
        break;
      case (MappingField.fileOffset << 3) | Wire.VARINT:
        fileOffset = r.uint64();
        break;
      case (MappingField.filenameStrindex << 3) | Wire.VARINT:
        filenameStrindex = r.int32();
        break;
      case (MappingField.attributeIndices << 3) | Wire.LEN:
      case (MappingField.attributeIndices << 3) | Wire.VARINT:
        readInt32s(r, tag, attributeIndices);
        break;
      default:
        r.skip(tag);
    }
  }
  r.expectEnd(end, 'Mapping');
  return { memoryStart, memoryLimit, fileOffset, filenameStrindex, attributeIndices };
}

function decodeStack(r: ProtoReader, end: number): ProfileStack {
  const locationIndices: number[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (
      tag === ((StackField.locationIndices << 3) | Wire.LEN) ||
      tag === ((StackField.locationIndices << 3) | Wire.VARINT)
    )
      readInt32s(r, tag, locationIndices);
    else r.skip(tag);
  }
  r.expectEnd(end, 'Stack');
  return { locationIndices };
}

function decodeLocation(r: ProtoReader, end: number): ProfileLocation {
  let mappingIndex = 0;
  let address = 0n;
  const lines: ProfileLine[] = [];
  const attributeIndices: number[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case (LocationField.mappingIndex << 3) | Wire.VARINT:
        mappingIndex = r.int32();
        break;
      case (LocationField.address << 3) | Wire.VARINT:
        address = r.uint64();
        break;
      case (LocationField.lines << 3) | Wire.LEN:
        lines.push(decodeLine(r, r.len()));
        break;
      case (LocationField.attributeIndices << 3) | Wire.LEN:
      case (LocationField.attributeIndices << 3) | Wire.VARINT:
        readInt32s(r, tag, attributeIndices);
        break;
      default:
        r.skip(tag);
    }
  }
  r.expectEnd(end, 'Location');
  return { mappingIndex, address, lines, attributeIndices };
}

function decodeLine(r: ProtoReader, end: number): ProfileLine {
  let functionIndex = 0;
  let line = 0n;
  let column = 0n;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((LineField.functionIndex << 3) | Wire.VARINT)) functionIndex = r.int32();
    else if (tag === ((LineField.line << 3) | Wire.VARINT)) line = r.int64();
    else if (tag === ((LineField.column << 3) | Wire.VARINT)) column = r.int64();
    else r.skip(tag);
  }
  r.expectEnd(end, 'Line');
  return { functionIndex, line, column };
}

function decodeFunction(r: ProtoReader, end: number): ProfileFunction {
  let nameStrindex = 0;
  let systemNameStrindex = 0;
  let filenameStrindex = 0;
  let startLine = 0n;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((FunctionField.nameStrindex << 3) | Wire.VARINT)) nameStrindex = r.int32();
    else if (tag === ((FunctionField.systemNameStrindex << 3) | Wire.VARINT)) systemNameStrindex = r.int32();
    else if (tag === ((FunctionField.filenameStrindex << 3) | Wire.VARINT)) filenameStrindex = r.int32();
    else if (tag === ((FunctionField.startLine << 3) | Wire.VARINT)) startLine = r.int64();
    else r.skip(tag);
  }
  r.expectEnd(end, 'Function');
  return { nameStrindex, systemNameStrindex, filenameStrindex, startLine };
}

function decodeLink(r: ProtoReader, end: number): ProfileLink {
  let traceId = EMPTY_BYTES;
  let spanId = EMPTY_BYTES;
  while (r.pos < end) {
    const tag = r.uint32();
    // link_table[0] may hold either empty ids or all-zero ones (the proto allows both)
    if (tag === ((LinkField.traceId << 3) | Wire.LEN)) traceId = r.id(16, 'Link.trace_id');
    else if (tag === ((LinkField.spanId << 3) | Wire.LEN)) spanId = r.id(8, 'Link.span_id');
    else r.skip(tag);
  }
  r.expectEnd(end, 'Link');
  return { traceId, spanId };
}

function decodeKeyValueAndUnit(r: ProtoReader, end: number): KeyValueAndUnit {
  let keyStrindex = 0;
  let value: AnyValue = {};
  let unitStrindex = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((KeyValueAndUnitField.keyStrindex << 3) | Wire.VARINT)) keyStrindex = r.int32();
    else if (tag === ((KeyValueAndUnitField.value << 3) | Wire.LEN)) value = decodeAnyValue(r, r.len(), value);
    else if (tag === ((KeyValueAndUnitField.unitStrindex << 3) | Wire.VARINT)) unitStrindex = r.int32();
    else r.skip(tag);
  }
  r.expectEnd(end, 'KeyValueAndUnit');
  return { keyStrindex, value, unitStrindex };
}

// ---- encoding: fields last-first (see ProtoWriter); table entries are written even when
// empty (entry 0 of every table is the zero value and must be present) ----

function encodeTable<T>(w: ProtoWriter, field: number, entries: T[], encode: (w: ProtoWriter, entry: T) => void): void {
  for (let i = entries.length - 1; i >= 0; i--) {
    const end = w.written;
    encode(w, entries[i]);
    w.closeMessage(field, end);
  }
}

function encodeDictionary(w: ProtoWriter, d: ProfilesDictionary): void {
  const end = w.written;
  encodeTable(w, DictionaryField.stackTable, d.stackTable, (w, s) =>
    w.packedInt32(StackField.locationIndices, s.locationIndices),
  );
  encodeTable(w, DictionaryField.attributeTable, d.attributeTable, encodeKeyValueAndUnit);
  for (let i = d.stringTable.length - 1; i >= 0; i--) {
    w.string(d.stringTable[i]);
    w.tag(DictionaryField.stringTable, Wire.LEN);
  }
  encodeTable(w, DictionaryField.linkTable, d.linkTable, (w, l) => {
    w.bytesField(LinkField.spanId, l.spanId);
    w.bytesField(LinkField.traceId, l.traceId);
  });
  encodeTable(w, DictionaryField.functionTable, d.functionTable, encodeFunction);
  encodeTable(w, DictionaryField.locationTable, d.locationTable, encodeLocation);
  encodeTable(w, DictionaryField.mappingTable, d.mappingTable, encodeMapping);
  if (w.written !== end) w.closeMessage(RequestField.dictionary, end);
}

function encodeKeyValueAndUnit(w: ProtoWriter, kv: KeyValueAndUnit): void {
  w.int32Field(KeyValueAndUnitField.unitStrindex, kv.unitStrindex);
  encodeAnyValueField(w, KeyValueAndUnitField.value, kv.value, false);
  w.int32Field(KeyValueAndUnitField.keyStrindex, kv.keyStrindex);
}

function encodeFunction(w: ProtoWriter, f: ProfileFunction): void {
  w.int64Field(FunctionField.startLine, f.startLine);
  w.int32Field(FunctionField.filenameStrindex, f.filenameStrindex);
  w.int32Field(FunctionField.systemNameStrindex, f.systemNameStrindex);
  w.int32Field(FunctionField.nameStrindex, f.nameStrindex);
}

function encodeLocation(w: ProtoWriter, l: ProfileLocation): void {
  w.packedInt32(LocationField.attributeIndices, l.attributeIndices);
  encodeTable(w, LocationField.lines, l.lines, (w, line) => {
    w.int64Field(LineField.column, line.column);
    w.int64Field(LineField.line, line.line);
    w.int32Field(LineField.functionIndex, line.functionIndex);
  });
  w.int64Field(LocationField.address, l.address);
  w.int32Field(LocationField.mappingIndex, l.mappingIndex);
}

function encodeMapping(w: ProtoWriter, m: ProfileMapping): void {
  w.packedInt32(MappingField.attributeIndices, m.attributeIndices);
  w.int32Field(MappingField.filenameStrindex, m.filenameStrindex);
  w.int64Field(MappingField.fileOffset, m.fileOffset);
  w.int64Field(MappingField.memoryLimit, m.memoryLimit);
  w.int64Field(MappingField.memoryStart, m.memoryStart);
}

function encodeValueType(w: ProtoWriter, field: number, v: ProfileValueType): void {
  const end = w.written;
  w.int32Field(ValueTypeField.unitStrindex, v.unitStrindex);
  w.int32Field(ValueTypeField.typeStrindex, v.typeStrindex);
  if (w.written !== end) w.closeMessage(field, end);
}

function encodeProfile(w: ProtoWriter, p: Profile): void {
  const end = w.written;
  w.packedInt32(ProfileField.attributeIndices, p.attributeIndices);
  w.bytesField(ProfileField.originalPayload, p.originalPayload);
  w.stringField(ProfileField.originalPayloadFormat, p.originalPayloadFormat);
  w.uint32Field(ProfileField.droppedAttributesCount, p.droppedAttributesCount);
  w.bytesField(ProfileField.profileId, p.profileId);
  w.int64Field(ProfileField.period, p.period);
  encodeValueType(w, ProfileField.periodType, p.periodType);
  w.int64Field(ProfileField.durationNano, p.durationNano);
  w.fixed64Field(ProfileField.timeUnixNano, p.timeUnixNano);
  encodeTable(w, ProfileField.samples, p.samples, encodeSample);
  encodeValueType(w, ProfileField.sampleType, p.sampleType);
  w.closeMessage(ScopeProfilesField.profiles, end);
}

function encodeSample(w: ProtoWriter, s: ProfileSample): void {
  w.packedFixed64(SampleField.timestampsUnixNano, s.timestampsUnixNano);
  w.packedUint64(SampleField.values, s.values);
  w.int32Field(SampleField.linkIndex, s.linkIndex);
  w.packedInt32(SampleField.attributeIndices, s.attributeIndices);
  w.int32Field(SampleField.stackIndex, s.stackIndex);
}
