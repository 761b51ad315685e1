// The gateway's side of SmartEncoding at cluster scale: an otlp -> clickhouse collector storing
// spans an agent encoded (ids on the resources, the dictionary entries in-band on the first
// batch that needs them). Spans per CPU second of the whole process (flowtel and the embedded
// engine, which runs in it) for that encoded input, and for the same spans with their tags as
// plain resource attributes (what a gateway stores without SmartEncoding). BATCHES (default 200)
// batches of 1,000 spans from 50 pods.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Ack, type Batch } from '@flowtel/core';
import {
  DICT_NAME_ATTRIBUTE,
  DICT_VERSION_ATTRIBUTE,
  ENTRIES_ATTRIBUTE,
  entriesToText,
  idAttribute,
  tagId,
  type TagEntry,
  type TagKind,
} from '@flowtel/core/smartencoding';
import { attr, newResource, newScope, newSpan, SpanKind, type KeyValue, type Traces } from '@flowtel/pdata';
import { ClickHouseStore, storeConfigSchema } from '@flowtel/clickhouse';
import { report, selfUsage } from './lib/report.ts';

const BATCHES = Number(process.env.BATCHES ?? 200);
const PODS = 50;
const SPANS_PER_POD = 20;
const PER_BATCH = PODS * SPANS_PER_POD;

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

interface Pod {
  tags: Record<string, string>;
  entries: TagEntry[];
}
const pods: Pod[] = Array.from({ length: PODS }, (_, i) => {
  const tags: Record<string, string> = {
    'host.name': `node-${i % 10}`,
    'k8s.pod.name': `svc-${i % 25}-7d9f-${i}`,
    'k8s.pod.uid': `uid-${i}`,
    'k8s.namespace.name': `team-${i % 5}`,
    'k8s.deployment.name': `svc-${i % 25}`,
  };
  for (let l = 0; l < 8; l++) tags[`k8s.pod.label.label-${l}`] = `value-${(i + l) % 7}`;
  const entry = (kind: TagKind, key: string, keys: string[]): TagEntry => ({
    kind,
    id: tagId(kind, key),
    key,
    name: tags[keys[0]],
    attributes: keys.map((k) => [k, { s: tags[k] }]),
    version: 1,
    time: 1,
  });
  const labels = Object.keys(tags).filter((k) => k.startsWith('k8s.pod.label.'));
  return {
    tags,
    entries: [
      entry('host', tags['host.name'], ['host.name']),
      entry('pod', tags['k8s.pod.uid'], ['k8s.pod.name', 'k8s.pod.uid', ...labels]),
      entry('namespace', tags['k8s.namespace.name'], ['k8s.namespace.name']),
      entry('workload', `${tags['k8s.namespace.name']}/Deployment/${tags['k8s.deployment.name']}`, [
        'k8s.deployment.name',
      ]),
    ],
  };
});

function resourceOf(p: Pod, encoded: boolean, withEntries: boolean): KeyValue[] {
  const service = attr('service.name', p.tags['k8s.deployment.name']);
  if (!encoded) return [service, ...Object.entries(p.tags).map(([k, v]) => attr(k, v))];
  return [
    service,
    ...p.entries.map((e) => attr(idAttribute(e.kind), e.id)),
    attr(DICT_VERSION_ATTRIBUTE, 1),
    attr(DICT_NAME_ATTRIBUTE, 'smartencoding'),
    ...(withEntries ? [attr(ENTRIES_ATTRIBUTE, entriesToText(p.entries))] : []),
  ];
}

let spanNo = 0;
function batch(encoded: boolean, first: boolean, t0: bigint): Batch {
  const data: Traces = {
    resourceSpans: pods.map((p) => ({
      resource: newResource(resourceOf(p, encoded, first)),
      schemaUrl: '',
      scopeSpans: [
        {
          scope: newScope('io.flowtel.bench', '1.0.0'),
          schemaUrl: '',
          spans: Array.from({ length: SPANS_PER_POD }, () => {
            const n = ++spanNo;
            const id = new Uint8Array(16);
            new DataView(id.buffer).setUint32(12, n);
            return newSpan({
              traceId: id,
              spanId: id.slice(8),
              name: `GET /${p.tags['k8s.deployment.name']}`,
              kind: SpanKind.SERVER,
              startTimeUnixNano: t0 + BigInt(n) * 1000n,
              endTimeUnixNano: t0 + BigInt(n) * 1000n + 2_000_000n,
              attributes: [attr('http.request.method', 'GET'), attr('http.response.status_code', 200)],
            });
          }),
        },
      ],
    })),
  };
  return { signal: 'traces', data, items: PER_BATCH, ack: Ack.none() } as Batch;
}

async function run(encoded: boolean): Promise<{ spans_per_cpu_second: number; cpu_seconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-bench-se-gateway-'));
  try {
    const store = new ClickHouseStore(storeConfigSchema.parse({ endpoint: 'chdb://./store' }), {
      configDir: dir,
      logger: pino({ level: 'warn' }),
      signals: ['traces'],
      dictionaries: () => undefined,
    });
    await store.open();
    const t0 = BigInt(Date.now()) * 1_000_000n;
    // batches are made before the clock starts: the OTLP receiver's decoding is not the store's
    const batches = Array.from({ length: BATCHES }, (_, i) => batch(encoded, i === 0, t0));
    const before = cpu();
    for (const b of batches) await store.write(b);
    await store.close();
    const seconds = cpu() - before;
    return {
      spans_per_cpu_second: Math.round((BATCHES * PER_BATCH) / seconds),
      cpu_seconds: Math.round(seconds * 1000) / 1000,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const plain = await run(false);
const encoded = await run(true);
report('smartencoding-gateway', {
  batches: BATCHES,
  spans_per_batch: PER_BATCH,
  pods: PODS,
  plain,
  encoded,
  ...selfUsage(),
});
