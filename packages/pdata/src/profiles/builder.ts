// Building OTLP profiles: a producer interns strings, functions, mappings, locations, stacks,
// links and attributes into one ProfilesDictionary (each table's entry 0 is its zero value, as
// profiles.proto requires, and equal entries share one index) and adds samples that refer to
// them. The same interning re-indexes whole requests into one (joining batches).
import { newResource, newScope } from '../create.ts';
import type {
  AnyValue,
  InstrumentationScope,
  KeyValue,
  Profile,
  ProfileLine,
  Profiles,
  ProfilesDictionary,
  ProfileSample,
  Resource,
  ResourceProfiles,
  ScopeProfiles,
} from '../model.ts';

const EMPTY = new Uint8Array(0);

export interface FunctionSpec {
  name: string;
  /** the mangled name, when it differs */
  systemName?: string;
  filename?: string;
  startLine?: bigint;
}

export interface MappingSpec {
  memoryStart?: bigint;
  memoryLimit?: bigint;
  fileOffset?: bigint;
  filename: string;
  /** attribute indices (builder.attribute), e.g. process.executable.build_id.gnu */
  attributes?: number[];
}

export interface LineSpec {
  /** a function index (builder.function) */
  function: number;
  line?: bigint;
  column?: bigint;
}

export interface LocationSpec {
  /** a mapping index (builder.mapping); 0 for none */
  mapping?: number;
  address?: bigint;
  /** inlined functions first, their caller last; empty for an address that has no name */
  lines?: LineSpec[];
  attributes?: number[];
}

export interface ValueTypeSpec {
  type: string;
  unit: string;
}

export interface ProfileSpec {
  /** resource attributes: profiles with equal resources share one ResourceProfiles */
  resource?: KeyValue[];
  scope?: InstrumentationScope;
  sampleType: ValueTypeSpec;
  periodType?: ValueTypeSpec;
  period?: bigint;
  timeUnixNano?: bigint;
  durationNano?: bigint;
  profileId?: Uint8Array;
  /** attribute indices (builder.attribute) */
  attributes?: number[];
}

export interface SampleSpec {
  /** a stack index (builder.stack), or location indices leaf first */
  stack: number | number[];
  /** one value per sample, of the profile's sample type; several when aggregated */
  values: bigint[];
  attributes?: number[];
  /** a link index (builder.link) */
  link?: number;
  timestampsUnixNano?: bigint[];
}

/** A stable text for an AnyValue (bigints and bytes included), as an interning key. */
function valueKey(v: AnyValue): string {
  return JSON.stringify(v, (_, x: unknown) =>
    typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x,
  );
}

export class ProfileHandle {
  constructor(
    readonly profile: Profile,
    private readonly builder: ProfilesBuilder,
  ) {}

  addSample(spec: SampleSpec): ProfileSample {
    const sample: ProfileSample = {
      stackIndex: typeof spec.stack === 'number' ? spec.stack : this.builder.stack(spec.stack),
      attributeIndices: spec.attributes ?? [],
      linkIndex: spec.link ?? 0,
      values: spec.values,
      timestampsUnixNano: spec.timestampsUnixNano ?? [],
    };
    this.profile.samples.push(sample);
    return sample;
  }
}

export class ProfilesBuilder {
  readonly dictionary: ProfilesDictionary = {
    mappingTable: [{ memoryStart: 0n, memoryLimit: 0n, fileOffset: 0n, filenameStrindex: 0, attributeIndices: [] }],
    locationTable: [{ mappingIndex: 0, address: 0n, lines: [], attributeIndices: [] }],
    functionTable: [{ nameStrindex: 0, systemNameStrindex: 0, filenameStrindex: 0, startLine: 0n }],
    // all-zero ids rather than empty ones, as profiles.proto recommends for strict codecs
    linkTable: [{ traceId: new Uint8Array(16), spanId: new Uint8Array(8) }],
    stringTable: [''],
    attributeTable: [{ keyStrindex: 0, value: {}, unitStrindex: 0 }],
    stackTable: [{ locationIndices: [] }],
  };
  private readonly resources: ResourceProfiles[] = [];
  private readonly index = {
    strings: new Map<string, number>([['', 0]]),
    functions: new Map<string, number>(),
    mappings: new Map<string, number>(),
    locations: new Map<string, number>(),
    stacks: new Map<string, number>([['', 0]]),
    links: new Map<string, number>(),
    attributes: new Map<string, number>(),
    resources: new Map<string, ResourceProfiles>(),
  };

  private intern(map: Map<string, number>, key: string, table: unknown[], make: () => unknown): number {
    let i = map.get(key);
    if (i === undefined) {
      i = table.length;
      table.push(make());
      map.set(key, i);
    }
    return i;
  }

  string(s: string): number {
    return this.intern(this.index.strings, s, this.dictionary.stringTable, () => s);
  }

  function(f: FunctionSpec): number {
    const nameStrindex = this.string(f.name);
    const systemNameStrindex = this.string(f.systemName ?? '');
    const filenameStrindex = this.string(f.filename ?? '');
    const startLine = f.startLine ?? 0n;
    return this.intern(
      this.index.functions,
      `${nameStrindex},${systemNameStrindex},${filenameStrindex},${startLine}`,
      this.dictionary.functionTable,
      () => ({ nameStrindex, systemNameStrindex, filenameStrindex, startLine }),
    );
  }

  mapping(m: MappingSpec): number {
    const filenameStrindex = this.string(m.filename);
    const memoryStart = m.memoryStart ?? 0n;
    const memoryLimit = m.memoryLimit ?? 0n;
    const fileOffset = m.fileOffset ?? 0n;
    const attributeIndices = m.attributes ?? [];
    return this.intern(
      this.index.mappings,
      `${memoryStart},${memoryLimit},${fileOffset},${filenameStrindex},${attributeIndices.join(' ')}`,
      this.dictionary.mappingTable,
      () => ({ memoryStart, memoryLimit, fileOffset, filenameStrindex, attributeIndices }),
    );
  }

  location(l: LocationSpec): number {
    const mappingIndex = l.mapping ?? 0;
    const address = l.address ?? 0n;
    const lines: ProfileLine[] = (l.lines ?? []).map((line) => ({
      functionIndex: line.function,
      line: line.line ?? 0n,
      column: line.column ?? 0n,
    }));
    const attributeIndices = l.attributes ?? [];
    const key = `${mappingIndex},${address},${lines.map((x) => `${x.functionIndex}:${x.line}:${x.column}`).join(' ')},${attributeIndices.join(' ')}`;
    return this.intern(this.index.locations, key, this.dictionary.locationTable, () => ({
      mappingIndex,
      address,
      lines,
      attributeIndices,
    }));
  }

  /** A stack of location indices, the leaf frame first. */
  stack(locationIndices: number[]): number {
    return this.intern(this.index.stacks, locationIndices.join(' '), this.dictionary.stackTable, () => ({
      locationIndices: [...locationIndices],
    }));
  }

  link(traceId: Uint8Array, spanId: Uint8Array): number {
    const key = `${Buffer.from(traceId).toString('hex')}/${Buffer.from(spanId).toString('hex')}`;
    return this.intern(this.index.links, key, this.dictionary.linkTable, () => ({
      traceId: new Uint8Array(traceId),
      spanId: new Uint8Array(spanId),
    }));
  }

  /** An attribute (key, value and UCUM unit) in the attribute table. */
  attribute(key: string, value: AnyValue | string | boolean | bigint, unit = ''): number {
    const v: AnyValue =
      typeof value === 'string'
        ? { stringValue: value }
        : typeof value === 'boolean'
          ? { boolValue: value }
          : typeof value === 'bigint'
            ? { intValue: value }
            : value;
    const keyStrindex = this.string(key);
    const unitStrindex = this.string(unit);
    return this.intern(
      this.index.attributes,
      `${keyStrindex},${unitStrindex},${valueKey(v)}`,
      this.dictionary.attributeTable,
      () => ({ keyStrindex, value: v, unitStrindex }),
    );
  }

  private scopeOf(resource: Resource, scope: InstrumentationScope, schemaUrls = ['', '']): ScopeProfiles {
    const rkey = `${valueKey({ kvlistValue: { values: resource.attributes } })}|${schemaUrls[0]}`;
    let rp = this.index.resources.get(rkey);
    if (rp === undefined) {
      rp = { resource, scopeProfiles: [], schemaUrl: schemaUrls[0] };
      this.index.resources.set(rkey, rp);
      this.resources.push(rp);
    }
    let sp = rp.scopeProfiles.find(
      (s) => s.scope.name === scope.name && s.scope.version === scope.version && s.schemaUrl === schemaUrls[1],
    );
    if (sp === undefined) {
      sp = { scope, profiles: [], schemaUrl: schemaUrls[1] };
      rp.scopeProfiles.push(sp);
    }
    return sp;
  }

  /** A new profile under its resource and scope; add samples through the handle. */
  profile(spec: ProfileSpec): ProfileHandle {
    const valueType = (v?: ValueTypeSpec) =>
      v
        ? { typeStrindex: this.string(v.type), unitStrindex: this.string(v.unit) }
        : { typeStrindex: 0, unitStrindex: 0 };
    const profile: Profile = {
      sampleType: valueType(spec.sampleType),
      samples: [],
      timeUnixNano: spec.timeUnixNano ?? 0n,
      durationNano: spec.durationNano ?? 0n,
      periodType: valueType(spec.periodType),
      period: spec.period ?? 0n,
      profileId: spec.profileId ?? EMPTY,
      droppedAttributesCount: 0,
      originalPayloadFormat: '',
      originalPayload: EMPTY,
      attributeIndices: spec.attributes ?? [],
    };
    this.scopeOf(newResource(spec.resource ?? []), spec.scope ?? newScope()).profiles.push(profile);
    return new ProfileHandle(profile, this);
  }

  /**
   * Every profile of `data` (or of the resource-level message `only`), its indices moved to
   * this builder's dictionary; the samples and profiles are new objects, `data` is unchanged.
   */
  add(data: Profiles, only?: ResourceProfiles): this {
    const from = data.dictionary;
    const str = (i: number) => this.string(from.stringTable[i] ?? '');
    const attrs = (list: number[]) =>
      list.map((i) => {
        const a = from.attributeTable[i];
        return a ? this.attribute(from.stringTable[a.keyStrindex] ?? '', a.value, from.stringTable[a.unitStrindex]) : 0;
      });
    const fn = (i: number) => {
      const f = from.functionTable[i];
      if (f === undefined || i === 0) return 0;
      return this.function({
        name: from.stringTable[f.nameStrindex] ?? '',
        systemName: from.stringTable[f.systemNameStrindex],
        filename: from.stringTable[f.filenameStrindex],
        startLine: f.startLine,
      });
    };
    const mapping = (i: number) => {
      const m = from.mappingTable[i];
      if (m === undefined || i === 0) return 0;
      return this.mapping({
        ...m,
        filename: from.stringTable[m.filenameStrindex] ?? '',
        attributes: attrs(m.attributeIndices),
      });
    };
    const location = (i: number) => {
      const l = from.locationTable[i];
      if (l === undefined || i === 0) return 0;
      return this.location({
        mapping: mapping(l.mappingIndex),
        address: l.address,
        lines: l.lines.map((x) => ({ function: fn(x.functionIndex), line: x.line, column: x.column })),
        attributes: attrs(l.attributeIndices),
      });
    };
    const link = (i: number) => {
      const l = from.linkTable[i];
      return l === undefined || i === 0 ? 0 : this.link(l.traceId, l.spanId);
    };
    const valueType = (v: { typeStrindex: number; unitStrindex: number }) => ({
      typeStrindex: str(v.typeStrindex),
      unitStrindex: str(v.unitStrindex),
    });
    for (const rp of only ? [only] : data.resourceProfiles)
      for (const sp of rp.scopeProfiles) {
        const into = this.scopeOf(rp.resource, sp.scope, [rp.schemaUrl, sp.schemaUrl]);
        for (const p of sp.profiles)
          into.profiles.push({
            ...p,
            sampleType: valueType(p.sampleType),
            periodType: valueType(p.periodType),
            attributeIndices: attrs(p.attributeIndices),
            samples: p.samples.map((s) => ({
              stackIndex: this.stack((from.stackTable[s.stackIndex]?.locationIndices ?? []).map(location)),
              attributeIndices: attrs(s.attributeIndices),
              linkIndex: link(s.linkIndex),
              values: s.values,
              timestampsUnixNano: s.timestampsUnixNano,
            })),
          });
      }
    return this;
  }

  build(): Profiles {
    return { resourceProfiles: this.resources, dictionary: this.dictionary };
  }
}
