// The request → resource level → scope level nesting every signal shares, in OTLP/JSON.
import type { SignalLayout } from '../signal-layout.ts';
import { resourceFromJson, resourceToJson, scopeFromJson, scopeToJson } from './common.ts';
import { arrayField, asObject, field, JsonOut, parseJson, stringField, type JsonObject } from './values.ts';

export interface JsonSignal<I> {
  layout: SignalLayout;
  itemFromJson(value: unknown, path: string): I;
  itemToJson(item: I): JsonObject;
}

export function envelopeFromJson<I>(input: string | object, signal: JsonSignal<I>, what: string): JsonObject {
  const { resources, scopes, items } = signal.layout;
  const o = parseJson(input, what);
  return {
    [resources]: arrayField(o, resources, '$', (value, path) => {
      const r = asObject(value, path);
      return {
        resource: resourceFromJson(field(r, 'resource'), `${path}.resource`),
        [scopes]: arrayField(r, scopes, path, (value, path) => {
          const s = asObject(value, path);
          return {
            scope: scopeFromJson(field(s, 'scope'), `${path}.scope`),
            [items]: arrayField(s, items, path, signal.itemFromJson),
            schemaUrl: stringField(s, 'schemaUrl', path),
          };
        }),
        schemaUrl: stringField(r, 'schemaUrl', path),
      };
    }),
  };
}

type Level = Record<string, unknown>;

export function envelopeToJsonObject<I>(data: object, signal: JsonSignal<I>): JsonObject {
  const { resources, scopes, items } = signal.layout;
  return {
    [resources]: ((data as Level)[resources] as Level[]).map(
      (r) =>
        new JsonOut()
          .message('resource', resourceToJson(r.resource as Parameters<typeof resourceToJson>[0]))
          .list(scopes, r[scopes] as Level[], (s) =>
            new JsonOut()
              .message('scope', scopeToJson(s.scope as Parameters<typeof scopeToJson>[0]))
              .list(items, s[items] as I[], signal.itemToJson)
              .str('schemaUrl', s.schemaUrl as string).o,
          )
          .str('schemaUrl', r.schemaUrl as string).o,
    ),
  };
}
