// Run inside a test's network namespace: starts the metadata services the spec names at
// 169.254.169.254:80, starts a resourcedetection processor with the spec's config, and prints
// one JSON line: what it detected (or why it failed to start), how long that took, its logs.
import { Writable } from 'node:stream';
import { metrics } from '@opentelemetry/api';
import { pino } from 'pino';
import { SharedState } from '@flowtel/core';
import { getAttr } from '@flowtel/pdata';
import { factory } from '../src/index.ts';
import { azureImds, ec2Imds, gceMetadata, listen, silent } from './metadata-servers.ts';

interface Spec {
  servers: Array<'ec2' | 'gcp' | 'azure' | 'silent'>;
  config: unknown;
}

const spec = JSON.parse(process.env.DETECT_SPEC ?? '{}') as Spec;
const METADATA = '169.254.169.254';
for (const s of spec.servers) {
  if (s === 'silent') await silent(METADATA, 80);
  else await listen({ ec2: ec2Imds, gcp: gceMetadata, azure: azureImds }[s](), METADATA, 80);
}

const logs: Array<Record<string, unknown>> = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line));
    done();
  },
});
const settings = {
  id: 'resource_detection',
  kind: 'processor' as const,
  logger: pino({ level: 'debug' }, sink),
  meter: metrics.getMeter('test'),
  metricsLevel: 'none' as const,
  configDir: process.cwd(),
};
const p = factory.createProcessor(settings, factory.configSchema.parse(spec.config), 'traces', 'traces');
const t0 = performance.now();
let error: string | undefined;
try {
  await p.start({ getExtension: () => undefined, shared: new SharedState() });
} catch (err) {
  error = (err as Error).message;
}
const elapsedMs = performance.now() - t0;
await p.shutdown();
const detected = (p as unknown as { attributes: Array<{ key: string }> }).attributes;
const attributes = Object.fromEntries(detected.map((kv) => [kv.key, getAttr(detected as never, kv.key)]));
process.stdout.write(JSON.stringify({ error, attributes, elapsedMs, logs }) + '\n');
process.exit(0);
