// Collector configs that several end-to-end tests start, as YAML text for startCollector.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Signal = 'traces' | 'metrics' | 'logs';

/**
 * OTLP/HTTP on `port` into a file exporter writing `out`: one pipeline of `signal` (traces by
 * default) through `processors` (each one's YAML by id) when given, internal metrics off.
 */
export function otlpToFileConfig(
  port: number,
  out: string,
  opts: { signal?: Signal; processors?: Record<string, string> } = {},
): string {
  const processors = Object.entries(opts.processors ?? {});
  const section = processors.length
    ? `processors:\n${processors.map(([id, yaml]) => `  ${id}: ${yaml}\n`).join('')}`
    : '';
  return `
receivers:
  otlp:
    protocols:
      http: {endpoint: 127.0.0.1:${port}}
${section}exporters:
  file: {path: ${out}}
service:
  telemetry: {metrics: {level: none}}
  pipelines:
    ${opts.signal ?? 'traces'}: {receivers: [otlp], processors: [${processors.map(([id]) => id).join(', ')}], exporters: [file]}
`;
}

/**
 * OTLP/HTTP on `port` into the exporter `id` (its settings as YAML lines; they name
 * `storage: file_storage` in their sending_queue) with a file_storage extension keeping the queue
 * under `dir`: the config a kill -9 test starts, kills and starts again on the same queue. It is
 * written to `dir`/config.yaml (relative paths in it are `dir`'s); returns that path.
 */
export function writePersistentQueueConfig(
  dir: string,
  port: number,
  signal: Signal,
  id: string,
  settings: string,
): string {
  const indented = settings
    .trim()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
  const path = join(dir, 'config.yaml');
  writeFileSync(
    path,
    `
extensions:
  file_storage: {directory: ${join(dir, 'queue')}}
receivers:
  otlp:
    protocols:
      http: {endpoint: 127.0.0.1:${port}}
exporters:
  ${id}:
${indented}
service:
  extensions: [file_storage]
  telemetry: {metrics: {level: none}}
  pipelines:
    ${signal}: {receivers: [otlp], exporters: [${id}]}
`,
  );
  return path;
}
