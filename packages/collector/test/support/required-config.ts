// The least config each built-in component needs to be created (the others start from their
// defaults), shared by the lifecycle and README tests.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const dir = mkdtempSync(join(tmpdir(), 'flowtel-lifecycle-'));
/** A pcap file with its global header and no packets: little-endian, v2.4, snaplen 65535, Ethernet. */
const emptyCapture = join(dir, 'empty.pcap');
writeFileSync(emptyCapture, Buffer.from('d4c3b2a1020004000000000000000000ffff000001000000', 'hex'));

/**
 * What components that have no usable defaults need, and free ports for the ones that listen;
 * `kind/type` where a receiver and an exporter share a type.
 */
export const REQUIRED: Record<string, Record<string, unknown>> = {
  file: { path: join(dir, 'out.jsonl') },
  memory_limiter: { check_interval: '1s', limit_mib: 4000 },
  attributes: { actions: [{ key: 'k', value: 'v', action: 'insert' }] },
  resource: { attributes: [{ key: 'k', value: 'v', action: 'insert' }] },
  span: { name: { from_attributes: ['k'] } },
  health_check: { endpoint: '127.0.0.1:0' },
  pprof: { endpoint: '127.0.0.1:0' },
  zpages: { endpoint: '127.0.0.1:0' },
  file_storage: { directory: join(dir, 'storage') },
  otlp: { protocols: { grpc: { endpoint: '127.0.0.1:0' }, http: { endpoint: '127.0.0.1:0' } } },
  otlp_grpc: { endpoint: '127.0.0.1:1', tls: { insecure: true } },
  'exporter/otelarrow': { endpoint: '127.0.0.1:1', tls: { insecure: true } },
  'receiver/otelarrow': { protocols: { grpc: { endpoint: '127.0.0.1:0' } } },
  otlp_http: { endpoint: 'http://127.0.0.1:1' },
  prometheus_remote_write: { endpoint: 'http://127.0.0.1:1/api/v1/write' },
  clickhouse: { endpoint: 'http://127.0.0.1:1', create_schema: false },
  bearertokenauth: { token: 't' },
  basicauth: { client_auth: { username: 'u', password: 'p' } },
  pcap: { file: emptyCapture },
  prometheus: {
    config: { scrape_configs: [{ job_name: 'lifecycle', static_configs: [{ targets: ['127.0.0.1:1'] }] }] },
  },
  'exporter/prometheus': { endpoint: '127.0.0.1:0' },
  hostmetrics: { scrapers: { cpu: null } },
  filelog: { include: [join(dir, '*.log')] },
  tcplog: { listen_address: '127.0.0.1:0' },
  journald: { directory: dir },
  fluentforward: { endpoint: '127.0.0.1:0' },
  udplog: { listen_address: '127.0.0.1:0' },
  syslog: { protocol: 'rfc5424', tcp: { listen_address: '127.0.0.1:0' } },
  jaeger: {
    protocols: {
      grpc: { endpoint: '127.0.0.1:0' },
      thrift_http: { endpoint: '127.0.0.1:0' },
      thrift_compact: { endpoint: '127.0.0.1:0' },
      thrift_binary: { endpoint: '127.0.0.1:0' },
    },
  },
  'receiver/zipkin': { endpoint: '127.0.0.1:0' },
  'exporter/zipkin': { endpoint: 'http://127.0.0.1:1/api/v2/spans' },
  routing: { table: [{ condition: 'attributes["env"] == "prod"', pipelines: ['traces'] }] },
  load_balancing: {
    protocol: { otlp: { tls: { insecure: true } } },
    resolver: { static: { hostnames: ['127.0.0.1:1'] } },
  },
};

/** The least config of one component: by `kind/type` first, then by type. */
export const requiredConfig = (kind: string, type: string): Record<string, unknown> | undefined =>
  REQUIRED[`${kind}/${type}`] ?? REQUIRED[type];
