// `flowtel components`: the built-in and plugin components as YAML, in otelcol's layout.
import { stringify } from 'yaml';
import type { Registry, Stability } from '@flowtel/core';
import type { BuildInfo } from '@flowtel/core';

const title = (s: Stability) => s.charAt(0).toUpperCase() + s.slice(1);

export function componentsYaml(registry: Registry, build: BuildInfo & { description: string }): string {
  const stabilityMap = (stability: Partial<Record<string, Stability>>) =>
    Object.fromEntries(
      Object.entries(stability)
        .sort()
        .map(([k, v]) => [k.replace('->', '-to-'), title(v!)]),
    );
  const doc = {
    buildinfo: { command: build.command, description: build.description, version: build.version },
    receivers: registry.list('receiver').map((f) => ({ name: f.type, stability: stabilityMap(f.stability) })),
    processors: registry.list('processor').map((f) => ({ name: f.type, stability: stabilityMap(f.stability) })),
    exporters: registry.list('exporter').map((f) => ({ name: f.type, stability: stabilityMap(f.stability) })),
    connectors: registry.list('connector').map((f) => ({ name: f.type, stability: stabilityMap(f.stability) })),
    extensions: registry.list('extension').map((f) => ({ name: f.type, stability: { extension: title(f.stability) } })),
  };
  return stringify(doc, { indent: 4 });
}
