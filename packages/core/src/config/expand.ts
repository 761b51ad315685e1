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
      return sep >= 0 ? rest.slice(sep + 2) : (value ?? '');
    }
    case 'file':
      try {
        return readFileSync(resolve(dir, rest), 'utf8').replace(/\n$/, '');
      } catch (err) {
        throw new Error(
          `\${file:${rest}}: cannot read ${resolve(dir, rest)}: ${(err as NodeJS.ErrnoException).code ?? err}`,
        );
      }
    default:
      throw new Error(`\${${body}}: unsupported scheme "${scheme}" (valid: env, file)`);
  }
}

export interface Expanded {
  value: unknown;
  /** the text the reference gave, when `value` is a number or a boolean read from it */
  original?: string;
}

/**
 * Expands one scalar. A scalar that is one whole reference is read as YAML, as otelcol's
 * confmap does (quoted or not), so `${env:PORT}` gives a number; the text it came from is
 * kept, because otelcol uses that text where the field is a string (`123456` stays
 * "123456", `0123` stays "0123"). A reference inside a longer string is text.
 */
export function expandValue(value: string, dir: string): Expanded {
  if (!value.includes('$')) return { value };
  const whole = /^\$\{([^}]*)\}$/.exec(value);
  if (whole) {
    const text = resolveReference(whole[1], dir);
    try {
      const parsed = parseYaml(text);
      if (parsed === null || typeof parsed === 'object' || typeof parsed === 'string') return { value: text };
      return { value: parsed, original: text };
    } catch {
      return { value: text };
    }
  }
  return {
    value: value.replace(REFERENCE, (m, body: string | undefined) => (m === '$$' ? '$' : resolveReference(body!, dir))),
  };
}
