// The `flowtel` command, flag for flag as `otelcol`.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { Service, loadAndResolve, loadConfig, type Registry } from '@flowtel/core';
// the formats alone: the store's code loads when `query` runs, not at every collector start
import {
  FLAMEGRAPH_FORMATS,
  QUERY_FORMATS,
  SERVICE_MAP_FORMATS,
  type FlamegraphFormat,
  type QueryFormat,
  type ServiceMapFormat,
} from '@flowtel/clickhouse/format';
import { builtinRegistry } from './components.ts';
import { componentsYaml } from './components-yaml.ts';
import { type FeatureGate, PRINT_CONFIG_GATE, resolveFeatureGates } from './featuregates.ts';
import { loadPlugins } from './plugins.ts';
import { printConfig } from './print-config.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
export const BUILD = {
  command: 'flowtel',
  description: 'flowtel: an OpenTelemetry Collector in TypeScript with zero-code eBPF capture',
  version: pkg.version,
};

export interface CommonOptions {
  config: string[];
  set: string[];
  featureGates: string[];
  plugin: string[];
}

const collect = (value: string, previous: string[]) => [...previous, value];

function withCommonOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--config <uri>', 'a config file (path, file:path, env:VAR or yaml:key::path: value); repeat to merge')
        .argParser(collect)
        .default([]),
    )
    .addOption(
      new Option(
        '--set <key=value>',
        'override a config value, applied after every --config (e.g. processors::batch::timeout=2s)',
      )
        .argParser(collect)
        .default([]),
    )
    .addOption(
      new Option(
        '--feature-gates <gates>',
        'comma-separated feature gates: `gate` or `+gate` enables, `-gate` disables',
      )
        .argParser(collect)
        .default([]),
    )
    .addOption(
      new Option('--plugin <module>', 'load component factories from an npm package or a local folder; repeatable')
        .argParser(collect)
        .default([]),
    );
}

async function registryFor(
  opts: CommonOptions,
): Promise<{ registry: Registry; notes: string[]; featureGates: string[]; gates: FeatureGate[] }> {
  const registry = builtinRegistry();
  const fromEnv = (process.env.FLOWTEL_PLUGINS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const notes = (await loadPlugins([...fromEnv, ...opts.plugin], registry)).map((p) => `plugin loaded: ${p}`);
  const { gates, unknown } = resolveFeatureGates(opts.featureGates);
  if (opts.featureGates.length)
    notes.push(`feature gates: ${gates.map((g) => `${g.enabled ? '+' : '-'}${g.id}`).join(', ')}`);
  for (const id of unknown) notes.push(`feature gate "${id}" is not known to flowtel and has no effect`);
  return { registry, notes, featureGates: gates.filter((g) => g.enabled).map((g) => g.id), gates };
}

/** `npx flowtel` runs from the package's folder; paths on its command line mean the caller's. */
const callerDir = () => (process.env.npm_command === 'exec' && process.env.INIT_CWD) || process.cwd();

function configUris(opts: CommonOptions): string[] {
  if (opts.config.length)
    return opts.config.map((uri) => (/^(env|yaml):/.test(uri) ? uri : resolve(callerDir(), uri.replace(/^file:/, ''))));
  throw new Error('at least one --config flag must be provided (e.g. --config pipeline.config.yaml)');
}

/** What `flowtel validate` does: the config's warnings, or a ConfigError naming every problem. */
export async function validate(opts: CommonOptions): Promise<string[]> {
  const { registry, featureGates } = await registryFor(opts);
  return (await loadAndResolve({ configUris: configUris(opts), sets: opts.set, registry, featureGates })).warnings;
}

/** Runs the CLI; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const fail = (err: unknown) => {
    process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    exitCode = 1;
  };

  const program = withCommonOptions(new Command('flowtel'))
    .description(BUILD.description)
    .version(BUILD.version, '-v, --version')
    .enablePositionalOptions()
    .action(async (opts: CommonOptions) => {
      try {
        const { registry, notes, featureGates, gates } = await registryFor(opts);
        const service = new Service({
          featureGateStates: gates,
          configUris: configUris(opts),
          sets: opts.set,
          registry,
          build: BUILD,
          notes,
          featureGates,
        });
        await service.run();
      } catch (err) {
        fail(err);
      }
    });

  withCommonOptions(program.command('validate'))
    .description('validate the config and exit: 0 when valid, 1 with every problem on stderr')
    .action(async (opts: CommonOptions) => {
      try {
        for (const w of await validate(opts)) process.stderr.write(`Warning: ${w}\n`);
      } catch (err) {
        fail(err);
      }
    });

  withCommonOptions(program.command('print-config'))
    .alias('print-initial-config')
    .description("print the config with every --config, --set and ${...} applied; opaque values redacted (otelcol's)")
    .option('--mode <mode>', 'redacted (default), unredacted', 'redacted')
    .option('--format <format>', 'yaml (default), json', 'yaml')
    .option('--validate <bool>', 'validate the config first: true (default), false', 'true')
    .action(async (opts: CommonOptions & { mode: string; format: string; validate: string }) => {
      try {
        const { registry, featureGates } = await registryFor(opts);
        if (!featureGates.includes(PRINT_CONFIG_GATE))
          throw new Error(
            `print-config is currently experimental, use the ${PRINT_CONFIG_GATE} feature gate to enable this command`,
          );
        if (!/^(true|false)$/i.test(opts.validate))
          throw new Error(`--validate takes true or false, not "${opts.validate}"`);
        process.stdout.write(
          await printConfig({
            configUris: configUris(opts),
            sets: opts.set,
            registry,
            featureGates,
            mode: opts.mode,
            format: opts.format,
            validate: opts.validate.toLowerCase() === 'true',
          }),
        );
      } catch (err) {
        fail(err);
      }
    });

  withCommonOptions(program.command('components'))
    .description('list the available components and their stability, as YAML')
    .action(async (opts: CommonOptions) => {
      try {
        const { registry } = await registryFor(opts);
        await registry.loadAll();
        process.stdout.write(componentsYaml(registry, BUILD));
      } catch (err) {
        fail(err);
      }
    });

  program
    .command('query')
    .description('query the ClickHouse store a config names (embedded or remote), also while that collector runs')
    .argument('[sql]', 'the SQL to run')
    .addOption(
      new Option('--config <uri>', 'the collector config whose clickhouse exporter names the store')
        .argParser(collect)
        .default([]),
    )
    .option('--exporter <id>', 'which clickhouse exporter, when the config has several')
    .addOption(
      new Option(
        '--format <format>',
        'output format (dot and mermaid draw --service-map; svg, the default there, folded and pprof draw --flamegraph)',
      )
        .choices([...QUERY_FORMATS, ...SERVICE_MAP_FORMATS, ...FLAMEGRAPH_FORMATS])
        .default('table'),
    )
    .option('--services', 'RED per service (requests, errors, durations)')
    .option(
      '--service-map',
      "the edges between services (client, server, requests, errors, p50, p99) from the servicegraph connector's metrics",
    )
    .option('--trace <trace_id>', 'the spans of one trace, as a tree')
    .option(
      '--flamegraph [filter]',
      'a flame graph of the profile samples a SQL condition on the profiles table selects (e.g. "ServiceName = \'api\'"), all when none',
    )
    .action(
      async (
        sql: string | undefined,
        opts: {
          config: string[];
          exporter?: string;
          format: QueryFormat | ServiceMapFormat | FlamegraphFormat;
          services?: boolean;
          flamegraph?: string | true;
          serviceMap?: boolean;
          trace?: string;
        },
      ) => {
        try {
          const request = opts.trace
            ? { trace: opts.trace }
            : opts.services
              ? { services: true as const }
              : opts.serviceMap
                ? { serviceMap: true as const }
                : sql;
          if (!request && !opts.flamegraph)
            throw new Error('give SQL, --services, --service-map, --flamegraph or --trace <trace_id>');
          const loaded = loadConfig(configUris({ ...opts, set: [], featureGates: [], plugin: [] }));
          const { findClickHouseExporter, runFlamegraph, runQuery } = await import('@flowtel/clickhouse');
          const exporter = findClickHouseExporter(loaded.tree, opts.exporter);
          const configDir = loaded.baseDir;
          const flame = (FLAMEGRAPH_FORMATS as readonly string[]).includes(opts.format);
          if (opts.flamegraph) {
            // a flame graph is an SVG unless another of its formats is asked for
            if (!flame && opts.format !== 'table')
              throw new Error(`--flamegraph writes svg, folded or pprof, not ${opts.format}`);
            const filter = opts.flamegraph === true ? undefined : opts.flamegraph;
            const format = flame ? (opts.format as FlamegraphFormat) : 'svg';
            process.stdout.write(await runFlamegraph(exporter, filter, format, { configDir }));
            return;
          }
          if (flame) throw new Error(`--format ${opts.format} draws profiles: use it with --flamegraph`);
          process.stdout.write(
            await runQuery(exporter, request!, opts.format as QueryFormat | ServiceMapFormat, { configDir }),
          );
        } catch (err) {
          fail(err);
        }
      },
    );

  program
    .command('featuregate')
    .description('list the feature gates and their state')
    .action(() => {
      for (const g of resolveFeatureGates([]).gates)
        process.stdout.write(`${g.id}\t${g.stage}\t${g.enabled}\t${g.description}\n`);
    });

  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode;
    return code ?? 1;
  }
  return exitCode;
}
