// The components built into flowtel, by type name (and the older spellings the factory
// declares as aliases). A component's package is imported only when a config names it, so a
// collector holds in memory and starts only what it runs; `flowtel components` imports all.
// To add one: a workspace package exporting `factory` (listed in this package's package.json),
// and one line below with its kind, type, aliases and import. Registry.loadNamed refuses a
// factory whose kind, type or aliases differ from its line, and the lifecycle test loads every
// line.
import { Registry, type Factory, type LazyFactory } from '@flowtel/core';
import { loggingExporter, memoryBallastExtension } from './removed.ts';

const factoryOf = (pkg: Promise<{ factory: Factory }>): Promise<Factory> => pkg.then((m) => m.factory);

export const builtinComponents: LazyFactory[] = [
  { kind: 'receiver', type: 'otlp', load: () => factoryOf(import('@flowtel/receiver-otlp')) },
  { kind: 'receiver', type: 'otelarrow', load: () => factoryOf(import('@flowtel/receiver-otelarrow')) },
  { kind: 'receiver', type: 'ebpf', load: () => factoryOf(import('@flowtel/ebpf-receiver')) },
  {
    kind: 'receiver',
    type: 'profiling',
    load: () => import('@flowtel/ebpf-receiver').then((m) => m.profilingFactory),
  },
  { kind: 'receiver', type: 'pcap', load: () => factoryOf(import('@flowtel/receiver-pcap')) },
  { kind: 'receiver', type: 'prometheus', load: () => factoryOf(import('@flowtel/receiver-prometheus')) },
  {
    kind: 'receiver',
    type: 'hostmetrics',
    aliases: ['host_metrics'],
    load: () => factoryOf(import('@flowtel/receiver-hostmetrics')),
  },
  {
    kind: 'receiver',
    type: 'filelog',
    aliases: ['file_log'],
    load: () => factoryOf(import('@flowtel/receiver-filelog')),
  },
  { kind: 'receiver', type: 'jaeger', load: () => factoryOf(import('@flowtel/receiver-jaeger')) },
  {
    kind: 'receiver',
    type: 'tcplog',
    aliases: ['tcp_log'],
    load: () => factoryOf(import('@flowtel/receiver-tcplog')),
  },
  {
    kind: 'receiver',
    type: 'udplog',
    aliases: ['udp_log'],
    load: () => factoryOf(import('@flowtel/receiver-udplog')),
  },
  { kind: 'receiver', type: 'syslog', load: () => factoryOf(import('@flowtel/receiver-syslog')) },
  { kind: 'receiver', type: 'journald', load: () => factoryOf(import('@flowtel/receiver-journald')) },
  {
    kind: 'receiver',
    type: 'fluentforward',
    aliases: ['fluent_forward'],
    load: () => factoryOf(import('@flowtel/receiver-fluentforward')),
  },
  { kind: 'receiver', type: 'zipkin', load: () => factoryOf(import('@flowtel/receiver-zipkin')) },
  { kind: 'processor', type: 'batch', load: () => factoryOf(import('@flowtel/processor-batch')) },
  { kind: 'processor', type: 'memory_limiter', load: () => factoryOf(import('@flowtel/processor-memory-limiter')) },
  { kind: 'processor', type: 'l7', load: () => factoryOf(import('@flowtel/processor-l7')) },
  { kind: 'processor', type: 'smartencoding', load: () => factoryOf(import('@flowtel/processor-smartencoding')) },
  { kind: 'processor', type: 'transform', load: () => factoryOf(import('@flowtel/processor-transform')) },
  { kind: 'processor', type: 'attributes', load: () => factoryOf(import('@flowtel/processor-attributes')) },
  { kind: 'processor', type: 'filter', load: () => factoryOf(import('@flowtel/processor-filter')) },
  { kind: 'processor', type: 'resource', load: () => factoryOf(import('@flowtel/processor-resource')) },
  {
    kind: 'processor',
    type: 'resource_detection',
    aliases: ['resourcedetection'],
    load: () => factoryOf(import('@flowtel/processor-resourcedetection')),
  },
  { kind: 'processor', type: 'span', load: () => factoryOf(import('@flowtel/processor-span')) },
  {
    kind: 'processor',
    type: 'probabilistic_sampler',
    load: () => factoryOf(import('@flowtel/processor-probabilisticsampler')),
  },
  {
    kind: 'processor',
    type: 'deltatocumulative',
    load: () => factoryOf(import('@flowtel/processor-deltatocumulative')),
  },
  { kind: 'processor', type: 'groupbyattrs', load: () => factoryOf(import('@flowtel/processor-groupbyattrs')) },
  { kind: 'processor', type: 'redaction', load: () => factoryOf(import('@flowtel/processor-redaction')) },
  {
    kind: 'processor',
    type: 'cumulativetodelta',
    aliases: ['cumulative_to_delta'],
    load: () => factoryOf(import('@flowtel/processor-cumulativetodelta')),
  },
  { kind: 'exporter', type: 'otelarrow', load: () => factoryOf(import('@flowtel/exporter-otelarrow')) },
  {
    kind: 'exporter',
    type: 'otlp_grpc',
    aliases: ['otlp'],
    load: () => factoryOf(import('@flowtel/exporter-otlp-grpc')),
  },
  {
    kind: 'exporter',
    type: 'otlp_http',
    aliases: ['otlphttp'],
    load: () => factoryOf(import('@flowtel/exporter-otlp-http')),
  },
  { kind: 'exporter', type: 'debug', load: () => factoryOf(import('@flowtel/exporter-debug')) },
  { kind: 'exporter', type: 'file', load: () => factoryOf(import('@flowtel/exporter-file')) },
  { kind: 'exporter', type: 'clickhouse', load: () => factoryOf(import('@flowtel/exporter-clickhouse')) },
  {
    kind: 'exporter',
    type: 'prometheus_remote_write',
    aliases: ['prometheusremotewrite'],
    load: () => factoryOf(import('@flowtel/exporter-prometheus-remote-write')),
  },
  { kind: 'exporter', type: 'prometheus', load: () => factoryOf(import('@flowtel/exporter-prometheus')) },
  { kind: 'exporter', type: 'zipkin', load: () => factoryOf(import('@flowtel/exporter-zipkin')) },
  {
    kind: 'exporter',
    type: 'load_balancing',
    aliases: ['loadbalancing'],
    load: () => factoryOf(import('@flowtel/exporter-loadbalancing')),
  },
  { kind: 'connector', type: 'forward', load: () => factoryOf(import('@flowtel/connector-forward')) },
  {
    kind: 'connector',
    type: 'spanmetrics',
    aliases: ['span_metrics'],
    load: () => factoryOf(import('@flowtel/connector-spanmetrics')),
  },
  { kind: 'connector', type: 'routing', load: () => factoryOf(import('@flowtel/connector-routing')) },
  { kind: 'connector', type: 'servicegraph', load: () => factoryOf(import('@flowtel/connector-servicegraph')) },
  { kind: 'extension', type: 'file_storage', load: () => factoryOf(import('@flowtel/extension-file-storage')) },
  { kind: 'extension', type: 'health_check', load: () => factoryOf(import('@flowtel/extension-health-check')) },
  {
    kind: 'extension',
    type: 'bearertokenauth',
    load: () => factoryOf(import('@flowtel/extension-bearertokenauth')),
  },
  { kind: 'extension', type: 'basicauth', load: () => factoryOf(import('@flowtel/extension-basicauth')) },
  { kind: 'extension', type: 'pprof', load: () => factoryOf(import('@flowtel/extension-pprof')) },
  { kind: 'extension', type: 'zpages', load: () => factoryOf(import('@flowtel/extension-zpages')) },
  {
    kind: 'exporter',
    type: 'logging',
    load: async () => loggingExporter((await import('@flowtel/exporter-debug')).factory),
  },
  { kind: 'extension', type: 'memory_ballast', load: async () => memoryBallastExtension },
];

/** A registry of every built-in component, none loaded yet. */
export function builtinRegistry(): Registry {
  const registry = new Registry();
  for (const c of builtinComponents) registry.addLazy(c);
  return registry;
}

/** Every built-in factory, loaded (for `flowtel components` and the tests over all of them). */
export async function loadBuiltinFactories(): Promise<Factory[]> {
  return Promise.all(builtinComponents.map((c) => c.load()));
}
