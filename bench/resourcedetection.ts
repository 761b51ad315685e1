// resourcedetection after its start: 100-span OTLP requests through the processor with what
// the env and system detectors found (5 attributes added to each resource, replacing the SDK's
// host.name), against the codec alone (decoded, read, encoded: the floor). Detection happened
// once at start; the figure says what adding its result costs per span.
//   node --import tsx bench/resourcedetection.ts
import { loadavg } from 'node:os';
import { SharedState } from '@flowtel/core';
import { factory } from '@flowtel/processor-resourcedetection';
import { benchProcessor, measure, measureProcessor, nanosPerSpan, request } from './lib/ottl-rig.ts';
import { report } from './lib/report.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
process.env.OTEL_RESOURCE_ATTRIBUTES = 'deployment.environment=prod,service.namespace=shop';
const config = {
  detectors: ['env', 'system'],
  system: { hostname_sources: ['os'], resource_attributes: { 'host.arch': { enabled: true } } },
};
const processor = benchProcessor(factory, config);
const detectStart = performance.now();
await processor.start({ getExtension: () => undefined, shared: new SharedState() });
const detectMs = performance.now() - detectStart;
const requests = Array.from({ length: 20 }, (_, i) => request(i, 0));
const codec = measure(undefined, undefined, requests, SECONDS);
const detected = measureProcessor(processor, requests, SECONDS);
await processor.shutdown();
report('resourcedetection', {
  spans_per_cpu_second: detected.spans_per_cpu_second,
  codec_only_spans_per_cpu_second: codec.spans_per_cpu_second,
  processor_ns_per_span: nanosPerSpan(detected, codec),
  detection_at_start_ms: Math.round(detectMs),
  with_processor: detected,
  codec_only: codec,
  config,
  load_average_1m: loadavg()[0],
});
