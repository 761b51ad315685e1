// The request → resource level → scope level nesting every signal shares, in OTLP/JSON.
import type { EncodeBuffer } from '../encode-buffer.ts';
import type { SignalLayout } from '../signal-layout.ts';
import type { InstrumentationScope, Resource } from '../model.ts';
import { resourceFromJson, scopeFromJson, writeResource, writeScope } from './common.ts';
import { arrayField, asObject, field, parseJson, stringField, type JsonObject } from './values.ts';
import { passThroughBytes } from '../proto/pass-through.ts';
import { transcodeFields, type Message } from './transcode.ts';
import { writeJson, type JsonWriter, type WriteValue } from './writer.ts';

export interface JsonSignal<I> {
  layout: SignalLayout;
  itemFromJson(value: unknown, path: string): I;
  /** writes one item, a whole JSON object */
  writeItem: WriteValue<I>;
  /** the request message, for transcoding pass-through bytes (a signal without pass-through has none) */
  message?: Message;
  /** the request's fields beside its resources (profiles' dictionary), read from its object */
  requestFromJson?(o: JsonObject, request: JsonObject): void;
  /** writes those fields after the resources */
  writeRequestFields?(w: JsonWriter, request: Level): void;
}

export function envelopeFromJson<I>(input: string | object, signal: JsonSignal<I>, what: string): JsonObject {
  const { resources, scopes, items } = signal.layout;
  const o = parseJson(input, what);
  const request: JsonObject = {
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
  signal.requestFromJson?.(o, request);
  return request;
}

type Level = Record<string, unknown>;

/** The request, its resource-level and scope-level messages, and each item by the signal's writer. */
export function writeEnvelope<I>(data: object, signal: JsonSignal<I>, reused?: EncodeBuffer): JsonWriter {
  // data still as the bytes it came as is written from them, without decoding a model
  const bytes = passThroughBytes(data);
  if (bytes !== undefined && signal.message !== undefined) {
    const message = signal.message;
    let canonical = true;
    const w = writeJson(bytes, (w, b) => (canonical = transcodeFields(w, b, message)), reused);
    if (canonical) return w;
  }
  const { resources, scopes, items } = signal.layout;
  const writeScopeLevel = (w: JsonWriter, s: Level) => {
    w.open();
    w.message('scope', s.scope as InstrumentationScope, writeScope);
    w.list(items, s[items] as I[], signal.writeItem);
    w.str('schemaUrl', s.schemaUrl as string);
    w.close();
  };
  const writeResourceLevel = (w: JsonWriter, r: Level) => {
    w.open();
    w.message('resource', r.resource as Resource, writeResource);
    w.list(scopes, r[scopes] as Level[], writeScopeLevel);
    w.str('schemaUrl', r.schemaUrl as string);
    w.close();
  };
  return writeJson(
    data as Level,
    (w, request) => {
      w.list(resources, request[resources] as Level[], writeResourceLevel);
      signal.writeRequestFields?.(w, request);
    },
    reused,
  );
}
