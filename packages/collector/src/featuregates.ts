// Feature gates, as otelcol's --feature-gates: `gate` or `+gate` enables, `-gate` disables.
export interface FeatureGate {
  id: string;
  stage: 'alpha' | 'beta' | 'stable' | 'deprecated';
  enabled: boolean;
  description: string;
}

export const PRINT_CONFIG_GATE = 'otelcol.printInitialConfig';

const KNOWN: FeatureGate[] = [
  {
    id: PRINT_CONFIG_GATE,
    stage: 'beta',
    enabled: true,
    description: 'if set to true, enable the print-config command',
  },
  {
    id: 'service.profilesSupport',
    stage: 'alpha',
    enabled: false,
    description:
      "Controls whether profiles support can be enabled: otelcol's gate for pipelines of the profiles signal (OTLP profiles v1development).",
  },
  {
    id: 'telemetry.newPipelineTelemetry',
    stage: 'alpha',
    enabled: false,
    description: 'Accepted for otelcol compatibility; flowtel always reports per-pipeline processor metrics.',
  },
];

export function resolveFeatureGates(flags: string[]): { gates: FeatureGate[]; unknown: string[] } {
  const gates = KNOWN.map((g) => ({ ...g }));
  const unknown: string[] = [];
  for (const item of flags
    .flatMap((f) => f.split(','))
    .map((s) => s.trim())
    .filter(Boolean)) {
    const enable = !item.startsWith('-');
    const id = item.replace(/^[+-]/, '');
    const gate = gates.find((g) => g.id === id);
    if (gate) gate.enabled = enable;
    else unknown.push(id);
  }
  return { gates, unknown };
}
