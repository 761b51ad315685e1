import { notInFlowtel, z } from '@flowtel/core';
import { compileConditions, OttlError, type Predicate } from '@flowtel/ottl';

export const ROUTE_CONTEXTS = ['resource', 'span', 'metric', 'datapoint', 'log', 'request'] as const;
export type RouteContext = (typeof ROUTE_CONTEXTS)[number];

const routeSchema = z
  .object({
    /** contrib's default: resource */
    context: z.enum(['', ...ROUTE_CONTEXTS]).default(''),
    statement: z.string().default(''),
    condition: z.string().default(''),
    pipelines: z.array(z.string()).default([]),
  })
  .strict();

/** A route's test: an OTTL condition, or a request metadata comparison. */
export type RouteTest =
  | { context: Exclude<RouteContext, 'request'>; when: Predicate }
  | { context: 'request'; key: string; equal: boolean; value: string };

// contrib's grammar for the request context: request["key"] == "value" or !=
const REQUEST = /^\s*request\[\s*"([^"]+)"\s*\]\s*(==|!=)\s*"([^"]*)"\s*$/;
// a statement routes when its where clause holds: route() where <condition>
const STATEMENT = /^\s*route\s*\(\s*\)\s+where\s+([\s\S]+)$/;

/** Compiles a (schema-valid) route; throws with contrib's words when it does not compile. */
export function compileRoute(route: z.output<typeof routeSchema>): RouteTest {
  const context = route.context === '' ? 'resource' : route.context;
  if (context === 'request') {
    const m = REQUEST.exec(route.condition);
    if (!m) throw new Error(`invalid request condition: ${route.condition}`);
    return { context, key: m[1].toLowerCase(), equal: m[2] === '==', value: m[3] };
  }
  let condition = route.condition;
  if (route.statement) {
    const m = STATEMENT.exec(route.statement);
    if (!m) throw new Error(`a routing statement is route() where <condition>, got ${JSON.stringify(route.statement)}`);
    condition = m[1];
  }
  return { context, when: compileConditions(context, [condition])[0] };
}

export const routingConfigSchema = z
  .object({
    error_mode: z.enum(['propagate', 'ignore', 'silent']).default('propagate'),
    default_pipelines: z.array(z.string()).default([]),
    table: z.array(routeSchema).default([]),
    match_once: notInFlowtel(
      'match_once was removed from otelcol-contrib in v0.120.0: a record goes to the first route it matches',
    ),
  })
  .strict()
  .superRefine((c, ctx) => {
    // contrib's Config.Validate, with its messages; then the OTTL compiled
    const fail = (message: string, path: (string | number)[]) =>
      ctx.addIssue({ code: z.ZodIssueCode.custom, message, path });
    if (c.table.length === 0) fail('invalid routing table: the routing table is empty', ['table']);
    c.table.forEach((r, i) => {
      if (!r.statement && !r.condition) return fail('invalid route: no condition or statement provided', ['table', i]);
      if (r.statement && r.condition) return fail('invalid route: both condition and statement provided', ['table', i]);
      if (r.pipelines.length === 0) return fail('invalid route: no pipelines defined', ['table', i]);
      if (r.context === 'request' && r.statement) return fail(`"request" context requires a 'condition'`, ['table', i]);
      try {
        compileRoute(r);
      } catch (err) {
        fail(err instanceof OttlError ? err.message : (err as Error).message, ['table', i]);
      }
    });
  });

export type RoutingConfig = z.output<typeof routingConfigSchema>;
