// otelcol's configopaque: config values that are secrets (passwords, tokens, keys, header
// values such as Authorization). A component marks them in its schema with `opaque()`;
// `flowtel print-config` shows them as [REDACTED] (otelcol's mask) unless asked not to, and
// redactConfig keeps them out of anything else that prints a component's config.
import { z, type ZodTypeAny } from 'zod';

/** What otelcol's configopaque.String marshals to. */
export const REDACTED_MASK = '[REDACTED]';

const OPAQUE = new WeakSet<ZodTypeAny>();

/** A string config value that is a secret (mark the schema last: `.min()` and the like copy it). */
export function opaque(schema: z.ZodString = z.string()): z.ZodString {
  OPAQUE.add(schema);
  return schema;
}

/** The schema a wrapper (optional, default, preprocess, ...) applies, or undefined. */
function inner(schema: ZodTypeAny): ZodTypeAny | undefined {
  const def = schema._def as Record<string, unknown>;
  const next = def.innerType ?? def.schema ?? def.in ?? (def.typeName === 'ZodBranded' ? def.type : undefined);
  if (def.typeName === 'ZodLazy') return (def.getter as () => ZodTypeAny)();
  return next as ZodTypeAny | undefined;
}

/**
 * `value` (a component's config as written, after expansion) with every value its schema
 * marks opaque replaced by [REDACTED]; the rest, and keys the schema does not know, as given.
 */
export function redactConfig(value: unknown, schema: ZodTypeAny): unknown {
  for (let s: ZodTypeAny | undefined = schema; s; s = inner(s)) {
    if (OPAQUE.has(s)) return value === undefined || value === null || value === '' ? value : REDACTED_MASK;
    const def = s._def as Record<string, unknown>;
    switch (def.typeName) {
      case 'ZodObject': {
        if (!isPlainObject(value)) return value;
        const shape = (s as z.AnyZodObject).shape as Record<string, ZodTypeAny>;
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape[k] ? redactConfig(v, shape[k]) : v]));
      }
      case 'ZodRecord':
        return isPlainObject(value)
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactConfig(v, def.valueType as ZodTypeAny)]))
          : value;
      case 'ZodArray':
        return Array.isArray(value) ? value.map((v) => redactConfig(v, def.type as ZodTypeAny)) : value;
      case 'ZodUnion':
      case 'ZodDiscriminatedUnion': {
        // the first form the value has; failing all, every form's marks apply
        const options = [...(def.options as Iterable<ZodTypeAny>)];
        const form = options.find((o) => o.safeParse(value).success);
        return form
          ? redactConfig(value, form)
          : options.reduce((v: unknown, o: ZodTypeAny) => redactConfig(v, o), value);
      }
      case 'ZodIntersection':
        return redactConfig(redactConfig(value, def.left as ZodTypeAny), def.right as ZodTypeAny);
    }
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
