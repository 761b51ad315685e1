// The machine the collector runs on: its name and id, to recognise local processes.
import { readFileSync } from 'node:fs';
import { arch, hostname, platform } from 'node:os';

export interface LocalHost {
  name: string;
  /** /etc/machine-id, as the OpenTelemetry host detector reads it */
  id?: string;
  arch: string;
  osType: string;
}

export function localHost(): LocalHost {
  let id: string | undefined;
  try {
    id = readFileSync('/etc/machine-id', 'utf8').trim() || undefined;
  } catch {
    id = undefined;
  }
  return { name: hostname(), id, arch: arch(), osType: platform() };
}
