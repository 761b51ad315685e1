// otelcol's expansion of values: `${env:VAR}`, `${VAR}`, `${env:VAR:-default}`,
// `${file:path}`, `$$` for a literal `$`; a bare `$VAR` is left alone.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

const REFERENCE = /\$\$|\$\{([^}]*)\}/g;

function resolveReference(body: string, dir: string): string {
  // `${VAR:-default}` has a colon but no scheme
  const schemed = /^([A-Za-z][A-Za-z0-9+.-]*):(?!-)(.*)$/s.exec(body);
  const scheme = schemed ? schemed[1] : 'env';
  const rest = schemed ? schemed[2] : body;
  switch (scheme) {
    case 'env': {
      const sep = rest.indexOf(':-');
      const name = sep >= 0 ? rest.slice(0, sep) : rest;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`environment variable "${name}" has an invalid name`);
      const value = process.env[name];
      if (value !== undefined && value !== '') return value;
      return sep >= 0 ? rest.slice(sep + 2) : value ?? '';
    }
    case 'file':
      try {
        return readFileSync(resolve(dir, rest), 'utf8').replace(/\n$/, '');
      } catch (err) {
        throw new Error(`\${file:${rest}}: cannot read ${resolve(dir, rest)}: ${(err as NodeJS.ErrnoException).code ?? err}`);
      }
    default:
      throw new Error(`\${${body}}: unsupported scheme "${scheme}" (valid: env, file)`);
  }
}

/**
 * Expands one scalar. When a plain (unquoted) scalar is a single reference, the result is
 * read as YAML, so `${env:PORT}` can give a number as it does in otelcol.
 */
export function expandValue(value: string, dir: string, typed: boolean): unknown {
  if (!value.includes('$')) return value;
  const whole = /^\$\{([^}]*)\}$/.exec(value);
  if (whole && typed) {
    const text = resolveReference(whole[1], dir);
    try {
      const parsed = parseYaml(text);
      return parsed === null || typeof parsed === 'object' ? text : parsed;
    } catch {
      return text;
    }
  }
  return value.replace(REFERENCE, (m, body: string | undefined) => (m === '$$' ? '$' : resolveReference(body!, dir)));
}
