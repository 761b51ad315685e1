// Reading the certificate files a tls block names. Relative paths resolve from the config's
// directory.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export function readPem(baseDir: string, file: string | undefined, what: string): Buffer | undefined {
  if (!file) return undefined;
  const path = resolve(baseDir, file);
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`tls::${what}: cannot read ${path}: ${(err as Error).message}`);
  }
}
