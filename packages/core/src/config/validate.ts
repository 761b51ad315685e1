// Turns a loaded config tree into the collector's resolved config, with otelcol's checks.
// Every problem is collected (not just the first), located and phrased to say what is valid.
import { z } from 'zod';
import type {
  ConnectorFactory,
  ExporterFactory,
  ExtensionFactory,
  Factory,
  Kind,
  ProcessorFactory,
  ReceiverFactory,
} from '../component.ts';
import { PIPELINE_SIGNALS, type PipelineSignal, type Signal } from '../consumer.ts';
import { SECTIONS, type Registry } from '../registry.ts';
import { telemetrySchema, type TelemetryConfig } from '../telemetry/config.ts';
import { ConfigError, ConfigProblem, KEY_SEPARATOR, type Position } from './errors.ts';
import type { LoadedConfig } from './source.ts';

export interface ComponentEntry<F extends Factory = Factory> {
  id: string;
  factory: F;
  config: unknown;
}

export interface PipelineConfig {
  id: string;
  signal: PipelineSignal;
  receivers: string[];
  processors: string[];
  exporters: string[];
}

export interface ResolvedConfig {
  receivers: Map<string, ComponentEntry<ReceiverFactory>>;
  processors: Map<string, ComponentEntry<ProcessorFactory>>;
  exporters: Map<string, ComponentEntry<ExporterFactory>>;
  connectors: Map<string, ComponentEntry<ConnectorFactory>>;
  extensions: Map<string, ComponentEntry<ExtensionFactory>>;
  service: {
    extensions: string[];
    pipelines: PipelineConfig[];
    telemetry: TelemetryConfig;
  };
  baseDir: string;
  /** the factories of components nested in others' configs (EmbeddedComponent), by `kind/type` */
  embedded?: Map<string, Factory>;
  /** non-fatal notes (deprecated keys and types) */
  warnings: string[];
}

type Section = keyof typeof SECTIONS;
const TOP_LEVEL = [...Object.keys(SECTIONS), 'service'];
const SERVICE_KEYS = ['extensions', 'pipelines', 'telemetry'];
const PIPELINE_KEYS = ['receivers', 'processors', 'exporters'];

export interface ResolveOptions {
  /** enabled feature gates, as `--feature-gates` gave them */
  featureGates?: readonly string[];
}

/** otelcol's gate for pipelines of the profiles signal (service/pipelines/config.go). */
const PROFILES_GATE = 'service.profilesSupport';

// otelcol's component.ID rules (component/identifiable.go): a type is an ASCII letter then up
// to 62 letters, digits or `_`; a name is anything but spaces, control characters and symbols.
const TYPE_PATTERN = /^[a-zA-Z][0-9a-zA-Z_]{0,62}$/;
const NAME_PATTERN = /^[^\p{Z}\p{C}\p{S}]+$/u;

/** Why otelcol would refuse this `type[/name]` id, in its words; undefined when it is valid. */
export function idProblem(id: string): string | undefined {
  const slash = id.indexOf('/');
  const type = (slash >= 0 ? id.slice(0, slash) : id).trim();
  if (type === '') return slash >= 0 ? `in "${id}" id: the part before / should not be empty` : 'id must not be empty';
  if (slash >= 0) {
    const name = id.slice(slash + 1).trim();
    if (name === '') return `in "${id}" id: the part after / should not be empty`;
    if (name.length > 1024)
      return `in "${name}" id: name "${name}" is longer than 1024 characters (${name.length} characters)`;
    if (!NAME_PATTERN.test(name)) return `in "${name}" id: invalid character(s) in name "${name}"`;
  }
  if (!TYPE_PATTERN.test(type)) return `in "${id}" id: invalid character(s) in type "${type}"`;
  return undefined;
}

/**
 * otelcol matches keys case-sensitively (confmap's caseSensitiveMatchName, since v0.71.0):
 * `Endpoint:` is an invalid key there too. Say so when the key differs from a valid one only in
 * case, since configs written before 2023 (and mapstructure's own default) matched any case.
 */
export function invalidKeyMessage(key: string, valid: readonly string[]): string {
  const meant = valid.find((v) => v !== key && v.toLowerCase() === key.toLowerCase());
  const hint = meant ? `; keys are case-sensitive, as in otelcol: write "${meant}"` : '';
  return `has invalid keys: ${key}${valid.length ? ` (valid keys: ${valid.join(', ')})` : ''}${hint}`;
}

/** zod's issues, with the ones inside each alternative of a union. */
function flatIssues(issues: z.ZodIssue[]): z.ZodIssue[] {
  return issues.flatMap((i) =>
    i.code === z.ZodIssueCode.invalid_union ? [i, ...flatIssues(i.unionErrors.flatMap((e) => e.issues))] : [i],
  );
}

function setAt(root: unknown, path: (string | number)[], value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1]] = value;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const typeOf = (v: unknown) =>
  v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v === 'object' ? 'map' : typeof v;

/** Strips wrappers (defaults, optionals, transforms) to reach an object schema, if any. */
function objectSchemaAt(schema: z.ZodTypeAny, path: (string | number)[]): z.AnyZodObject | undefined {
  let s: z.ZodTypeAny | undefined = schema;
  const unwrap = (t: z.ZodTypeAny): z.ZodTypeAny => {
    for (;;) {
      if (t instanceof z.ZodDefault) t = t._def.innerType;
      else if (t instanceof z.ZodOptional || t instanceof z.ZodNullable) t = t.unwrap();
      else if (t instanceof z.ZodEffects) t = t.innerType();
      else return t;
    }
  };
  for (const key of path) {
    s = s && unwrap(s);
    if (s instanceof z.ZodObject) s = s.shape[key];
    else if (s instanceof z.ZodArray) s = s.element;
    else if (s instanceof z.ZodRecord) s = s.valueSchema;
    else return undefined;
  }
  s = s && unwrap(s);
  return s instanceof z.ZodObject ? s : undefined;
}

class Validator {
  readonly problems: ConfigProblem[] = [];
  readonly warnings: string[] = [];
  /** ids written in each section, valid or not, so a bad one is reported once, not at every reference */
  readonly written = new Set<string>();
  /** factories of the components nested in others' configs, by `kind/type` */
  readonly embedded = new Map<string, Factory>();
  private readonly loaded: LoadedConfig;
  private readonly registry: Registry;
  readonly options: ResolveOptions;
  constructor(loaded: LoadedConfig, registry: Registry, options: ResolveOptions) {
    this.loaded = loaded;
    this.registry = registry;
    this.options = options;
  }

  /** The position of the deepest written key on the path. */
  positionOf(path: string[]): Position | undefined {
    for (let n = path.length; n > 0; n--) {
      const pos = this.loaded.positions.get(path.slice(0, n).join(KEY_SEPARATOR));
      if (pos) return pos;
    }
    return undefined;
  }

  problem(path: string[], message: string): void {
    this.problems.push(new ConfigProblem(path, message, this.positionOf(path)));
  }

  checkKeys(value: Record<string, unknown>, valid: string[], path: string[]): void {
    const invalid = Object.keys(value).filter((k) => !valid.includes(k));
    for (const k of invalid) this.problem([...path, k], invalidKeyMessage(k, valid));
  }

  /**
   * Parses a component's config with its schema and reports zod's issues otelcol-style.
   * Where a string is expected and a `${...}` gave a number or boolean, the text it gave is
   * used instead, as otelcol does (a password `${env:PASS}` of 123456 stays "123456"); a
   * section left empty (`batch:`) is that section with its defaults.
   */
  parseComponentConfig(factory: Factory, raw: unknown, path: string[]): unknown {
    let value = raw ?? {};
    let result = factory.configSchema.safeParse(value);
    for (let round = 0; !result.success && round < 16; round++) {
      const issues = flatIssues(result.error.issues);
      const fixes = [
        ...issues
          .filter(
            (i) =>
              i.code === z.ZodIssueCode.invalid_type &&
              i.expected === 'string' &&
              (i.received === 'number' || i.received === 'boolean'),
          )
          .map((i) => ({
            at: i.path,
            value: this.loaded.originals.get([...path, ...i.path.map(String)].join(KEY_SEPARATOR)),
          })),
        // `batch:` with nothing after it: otelcol reads a null section as that section's defaults
        ...issues
          .filter((i) => i.code === z.ZodIssueCode.invalid_type && i.expected === 'object' && i.received === 'null')
          .map((i) => ({ at: i.path, value: {} })),
      ].filter((f) => f.value !== undefined && f.at.length > 0);
      if (fixes.length === 0) break;
      value = structuredClone(value);
      for (const f of fixes) setAt(value, f.at, f.value);
      result = factory.configSchema.safeParse(value);
    }
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      const issuePath = [...path, ...issue.path.map(String)];
      if (issue.code === z.ZodIssueCode.unrecognized_keys) {
        const obj = objectSchemaAt(factory.configSchema as z.ZodTypeAny, issue.path);
        const valid = obj ? Object.keys(obj.shape) : [];
        for (const key of issue.keys) this.problem([...issuePath, key], invalidKeyMessage(key, valid));
      } else if (issue.code === z.ZodIssueCode.invalid_type) {
        const expected = issue.expected === 'object' ? 'map' : issue.expected === 'array' ? 'list' : issue.expected;
        const received = issue.received === 'object' ? 'map' : issue.received === 'array' ? 'list' : issue.received;
        // a schema's own words (e.g. otelcol's `requires a non-empty "endpoint"`) beat zod's
        const own = issue.message !== 'Required' && !issue.message.startsWith('Expected ');
        this.problem(
          issuePath,
          own
            ? issue.message
            : issue.received === 'undefined'
              ? `is required (expected ${expected})`
              : `expected ${expected}, got ${received}`,
        );
      } else if (issue.code === z.ZodIssueCode.invalid_enum_value) {
        this.problem(
          issuePath,
          `invalid value ${JSON.stringify(issue.received)} (valid values: ${issue.options.join(', ')})`,
        );
      } else {
        this.problem(issuePath, issue.message);
      }
    }
    return undefined;
  }

  section<S extends Section>(
    section: S,
  ): Map<string, ComponentEntry<Extract<Factory, { kind: (typeof SECTIONS)[S] }>>> {
    const kind = SECTIONS[section] as Kind;
    const out = new Map<string, ComponentEntry<any>>();
    const raw = this.loaded.tree[section];
    if (raw === undefined || raw === null) return out;
    if (!isMap(raw)) {
      this.problem([section], `expected a map of ${kind} ids to their configs, got ${typeOf(raw)}`);
      return out;
    }
    for (const [id, value] of Object.entries(raw)) {
      const path = [section, id];
      this.written.add(`${section}::${id}`);
      const invalid = idProblem(id);
      if (invalid) {
        this.problem(path, `${invalid} (ids are type[/name]: the type an ASCII letter then letters, digits or _)`);
        continue;
      }
      const slash = id.indexOf('/');
      const type = (slash >= 0 ? id.slice(0, slash) : id).trim();
      const factory = this.registry.get(kind, type);
      if (!factory) {
        this.problem(
          path,
          `unknown type: "${type}" for id: "${id}" (valid values: [${this.registry.names(kind).join(' ')}])`,
        );
        continue;
      }
      if (type !== factory.type)
        this.warnings.push(`${section}::${id}: "${type}" is a deprecated name of "${factory.type}"`);
      if (factory.deprecated) this.warnings.push(`${section}::${id}: ${factory.deprecated}`);
      if (value !== null && value !== undefined && !isMap(value)) {
        this.problem(path, `expected a map, got ${typeOf(value)}`);
        continue;
      }
      const config = this.parseComponentConfig(factory, value, path);
      if (config !== undefined) this.checkEmbedded(factory, value, path);
      if (config !== undefined) out.set(id, { id, factory, config });
      else out.set(id, { id, factory, config: undefined });
    }
    return out;
  }

  /** Validates the configs of other components nested in this one's with their own schemas. */
  checkEmbedded(factory: Factory, raw: unknown, path: string[]): void {
    for (const e of factory.embeds ?? []) {
      const nested = this.registry.get(e.kind, e.type);
      if (!nested) {
        this.problem(path, `needs the ${e.kind} "${e.type}", which this collector does not have`);
        continue;
      }
      this.embedded.set(`${e.kind}/${e.type}`, nested);
      let value: unknown = raw;
      for (const key of e.path) value = isMap(value) ? value[key] : undefined;
      this.parseComponentConfig(nested, { ...e.defaults, ...(isMap(value) ? value : {}) }, [...path, ...e.path]);
    }
  }

  idList(value: unknown, path: string[]): string[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
      this.problem(path, `expected a list of component ids, got ${typeOf(value)}`);
      return [];
    }
    return value as string[];
  }
}

function signalsEmitted(factory: ReceiverFactory, pipelineSignal: PipelineSignal): Signal {
  return factory.emits ?? pipelineSignal;
}

/** A path pipeline -> connector -> pipeline ... that comes back to where it started. */
function findConnectorCycle(pipelines: PipelineConfig[], connectorIds: Set<string>): string[] | undefined {
  const next = (p: PipelineConfig) =>
    p.exporters
      .filter((id) => connectorIds.has(id))
      .flatMap((c) => pipelines.filter((q) => q.receivers.includes(c)).map((q) => [c, q] as const));
  const state = new Map<PipelineConfig, 'visiting' | 'done'>();
  const walk = (p: PipelineConfig, path: string[]): string[] | undefined => {
    if (state.get(p) === 'visiting') return [...path.slice(path.indexOf(p.id)), p.id];
    if (state.get(p) === 'done') return undefined;
    state.set(p, 'visiting');
    for (const [c, q] of next(p)) {
      const found = walk(q, [...path, p.id, c]);
      if (found) return found;
    }
    state.set(p, 'done');
    return undefined;
  };
  for (const p of pipelines) {
    const found = walk(p, []);
    if (found) return found;
  }
  return undefined;
}

export function resolveConfig(loaded: LoadedConfig, registry: Registry, options: ResolveOptions = {}): ResolvedConfig {
  const v = new Validator(loaded, registry, options);
  const tree = loaded.tree;
  v.checkKeys(tree, TOP_LEVEL, []);

  const receivers = v.section('receivers');
  const processors = v.section('processors');
  const exporters = v.section('exporters');
  const connectors = v.section('connectors');
  const extensions = v.section('extensions');

  for (const id of connectors.keys()) {
    if (receivers.has(id) || exporters.has(id))
      v.problem(
        ['connectors', id],
        `connector "${id}" has the same id as a ${receivers.has(id) ? 'receiver' : 'exporter'}; ids must be unique across receivers, exporters and connectors`,
      );
  }

  const service = tree.service;
  const pipelines: PipelineConfig[] = [];
  let serviceExtensions: string[] = [];
  let telemetry = telemetrySchema.parse(undefined);
  if (service === undefined || service === null) {
    v.problem(['service'], 'is required: a service with at least one pipeline');
  } else if (!isMap(service)) {
    v.problem(['service'], `expected a map, got ${typeOf(service)}`);
  } else {
    v.checkKeys(service, SERVICE_KEYS, ['service']);
    serviceExtensions = v.idList(service.extensions, ['service', 'extensions']);
    serviceExtensions.forEach((id, i) => {
      if (!extensions.has(id) && !v.written.has(`extensions::${id}`))
        v.problem(
          ['service', 'extensions', String(i)],
          `references extension "${id}" which is not configured (configured: [${[...extensions.keys()].join(' ')}])`,
        );
    });
    const parsedTelemetry = v.parseComponentConfig(
      { configSchema: telemetrySchema } as unknown as Factory,
      service.telemetry,
      ['service', 'telemetry'],
    );
    if (parsedTelemetry !== undefined) telemetry = parsedTelemetry as TelemetryConfig;
    if (telemetry.traces?.processors.length)
      v.warnings.push(
        'service::telemetry::traces::processors: flowtel records no spans of its own yet, so these processors have nothing to export',
      );
    if (telemetry.metrics.address !== undefined)
      v.warnings.push(
        'service::telemetry::metrics::address is deprecated: use service::telemetry::metrics::readers with a pull prometheus exporter',
      );

    const rawPipelines = service.pipelines;
    if (!isMap(rawPipelines) || Object.keys(rawPipelines).length === 0) {
      v.problem(['service', 'pipelines'], 'must have at least one pipeline');
    } else {
      for (const [pid, raw] of Object.entries(rawPipelines)) {
        const path = ['service', 'pipelines', pid];
        const signal = pid.split('/')[0];
        const badName = pid.includes('/') ? idProblem(pid) : undefined;
        if (badName) {
          v.problem(path, badName);
          continue;
        }
        if (signal === 'profiles' && !v.options.featureGates?.includes(PROFILES_GATE)) {
          v.problem(
            path,
            `pipeline "${pid}": profiling signal support is at alpha level, gated under the "${PROFILES_GATE}" feature gate`,
          );
          continue;
        }
        if (!(PIPELINE_SIGNALS as readonly string[]).includes(signal)) {
          v.problem(path, `unknown signal "${signal}" (valid values: ${PIPELINE_SIGNALS.join(', ')})`);
          continue;
        }
        if (!isMap(raw)) {
          v.problem(path, `expected a map with receivers, processors and exporters, got ${typeOf(raw)}`);
          continue;
        }
        v.checkKeys(raw, PIPELINE_KEYS, path);
        pipelines.push({
          id: pid,
          signal: signal as PipelineSignal,
          receivers: v.idList(raw.receivers, [...path, 'receivers']),
          processors: v.idList(raw.processors, [...path, 'processors']),
          exporters: v.idList(raw.exporters, [...path, 'exporters']),
        });
      }
    }
  }

  // References, per pipeline.
  const connectorUse = new Map<string, { asExporter: PipelineConfig[]; asReceiver: PipelineConfig[] }>();
  for (const id of connectors.keys()) connectorUse.set(id, { asExporter: [], asReceiver: [] });
  for (const p of pipelines) {
    const path = ['service', 'pipelines', p.id];
    if (p.receivers.length === 0) v.problem([...path, 'receivers'], 'must have at least one receiver');
    if (p.exporters.length === 0) v.problem([...path, 'exporters'], 'must have at least one exporter');
    p.receivers.forEach((id, i) => {
      const at = [...path, 'receivers', String(i)];
      const connector = connectors.get(id);
      if (connector) connectorUse.get(id)!.asReceiver.push(p);
      else if (v.written.has(`receivers::${id}`) && !receivers.has(id)) return;
      else if (!receivers.has(id))
        v.problem(
          at,
          `references receiver "${id}" which is not configured (configured: [${[...receivers.keys(), ...connectors.keys()].join(' ')}])`,
        );
      else if (!(p.signal in receivers.get(id)!.factory.stability))
        v.problem(
          at,
          `receiver "${id}" does not support ${p.signal} (it supports: ${Object.keys(receivers.get(id)!.factory.stability).join(', ')})`,
        );
    });
    const seen = new Set<string>();
    p.processors.forEach((id, i) => {
      const at = [...path, 'processors', String(i)];
      if (seen.has(id)) v.problem(at, `references processor "${id}" multiple times`);
      seen.add(id);
      if (v.written.has(`processors::${id}`) && !processors.has(id)) return;
      if (!processors.has(id))
        v.problem(
          at,
          `references processor "${id}" which is not configured (configured: [${[...processors.keys()].join(' ')}])`,
        );
      else if (!(p.signal in processors.get(id)!.factory.stability))
        v.problem(at, `processor "${id}" does not support ${p.signal}`);
      else {
        const { factory, config } = processors.get(id)!;
        const problem = config === undefined ? undefined : factory.checkSignal?.(config, p.signal);
        if (problem) v.problem(at, `processor "${id}": ${problem}`);
      }
    });
    p.exporters.forEach((id, i) => {
      const at = [...path, 'exporters', String(i)];
      const connector = connectors.get(id);
      if (connector) connectorUse.get(id)!.asExporter.push(p);
      else if (v.written.has(`exporters::${id}`) && !exporters.has(id)) return;
      else if (!exporters.has(id))
        v.problem(
          at,
          `references exporter "${id}" which is not configured (configured: [${[...exporters.keys(), ...connectors.keys()].join(' ')}])`,
        );
      else if (!(p.signal in exporters.get(id)!.factory.stability))
        v.problem(at, `exporter "${id}" does not support ${p.signal}`);
    });
    // socket events need the parser before anything else can use them
    const socketReceivers = p.receivers.filter((id) => {
      const r = receivers.get(id);
      return r && signalsEmitted(r.factory, p.signal) === 'socket';
    });
    if (socketReceivers.length) {
      const parser = p.processors.find((id) => processors.get(id)?.factory.consumes?.includes('socket'));
      if (!parser)
        v.problem(
          [...path, 'processors'],
          `receiver "${socketReceivers[0]}" emits socket events, which only the l7 processor turns into ${p.signal}: add l7 to this pipeline's processors`,
        );
    }
  }
  for (const [id, use] of connectorUse) {
    const path = ['connectors', id];
    if (use.asExporter.length === 0 && use.asReceiver.length === 0) continue;
    if (use.asExporter.length === 0)
      v.problem(
        path,
        `connector "${id}" used as receiver in ${use.asReceiver.map((p) => p.id).join(', ')} pipeline but not used in any supported exporter pipeline`,
      );
    else if (use.asReceiver.length === 0)
      v.problem(
        path,
        `connector "${id}" used as exporter in ${use.asExporter.map((p) => p.id).join(', ')} pipeline but not used in any supported receiver pipeline`,
      );
    else {
      const factory = connectors.get(id)!.factory;
      for (const from of use.asExporter)
        for (const to of use.asReceiver)
          if (!(`${from.signal}->${to.signal}` in factory.stability))
            v.problem(
              path,
              `connector "${id}" cannot connect from ${from.signal} to ${to.signal} (supported: ${Object.keys(factory.stability).join(', ')})`,
            );
    }
  }

  const cycle = findConnectorCycle(pipelines, new Set(connectors.keys()));
  if (cycle)
    v.problem(
      ['service', 'pipelines'],
      `cycle detected: ${cycle.join(' -> ')}; connectors must not feed a pipeline back into itself`,
    );

  if (v.problems.length) throw new ConfigError(v.problems);
  return {
    receivers,
    processors,
    exporters,
    connectors,
    extensions,
    service: { extensions: serviceExtensions, pipelines, telemetry },
    baseDir: loaded.baseDir,
    embedded: v.embedded,
    warnings: v.warnings,
  };
}
