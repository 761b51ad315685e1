// `flowtel print-config`, as otelcol's (its otelcol.printInitialConfig gate, beta and on by
// default): the config after every --config, --set and ${...} is applied, validated first
// unless --validate=false, with the values that components mark opaque (passwords, tokens,
// header values) shown as [REDACTED] unless --mode unredacted. As otelcol's redacted mode
// since it mirrors the raw config, keys are printed as written, without the defaults.
import { stringify } from 'yaml';
import {
  loadAndResolve,
  loadConfig,
  redactConfig,
  telemetrySchema,
  type ConfigTree,
  type Kind,
  type Registry,
} from '@flowtel/core';

export const PRINT_MODES = ['redacted', 'unredacted'] as const;
export const PRINT_FORMATS = ['yaml', 'json'] as const;

const SECTIONS: Record<string, Kind> = {
  receivers: 'receiver',
  processors: 'processor',
  exporters: 'exporter',
  connectors: 'connector',
  extensions: 'extension',
};

export interface PrintOptions {
  configUris: string[];
  sets: string[];
  registry: Registry;
  featureGates: readonly string[];
  mode: string;
  format: string;
  validate: boolean;
}

export async function printConfig(opts: PrintOptions): Promise<string> {
  const mode = opts.mode.toLowerCase();
  if (!(PRINT_MODES as readonly string[]).includes(mode))
    throw new Error(`invalid mode "${opts.mode}": modes are: ${PRINT_MODES.join(', ')}`);
  const format = opts.format.toLowerCase();
  if (!(PRINT_FORMATS as readonly string[]).includes(format))
    throw new Error(`unrecognized print format: ${opts.format}`);
  // validation first, as otelcol's: a config that does not load is not printed
  if (opts.validate) await loadAndResolve(opts);
  const { tree } = loadConfig(opts.configUris, opts.sets);
  await opts.registry.loadNamed(tree);
  const shown = mode === 'unredacted' ? tree : redactTree(tree, opts.registry);
  return format === 'json' ? `${JSON.stringify(shown, null, 2)}\n` : stringify(shown);
}

/** The config with each component's opaque values, and the telemetry exporters' headers, masked. */
export function redactTree(tree: ConfigTree, registry: Registry): ConfigTree {
  const out: ConfigTree = { ...tree };
  for (const [section, kind] of Object.entries(SECTIONS)) {
    const components = tree[section];
    if (!isObject(components)) continue;
    out[section] = Object.fromEntries(
      Object.entries(components).map(([id, config]) => {
        const factory = registry.get(kind, id.split('/', 1)[0].trim());
        return [id, factory ? redactConfig(config, factory.configSchema) : config];
      }),
    );
  }
  const service = tree.service;
  if (isObject(service) && isObject(service.telemetry))
    out.service = { ...service, telemetry: redactConfig(service.telemetry, telemetrySchema) };
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
