// Request → Resource<X> → Scope<X> → items: identical field numbers for traces, metrics and logs.
import type { EncodeBuffer } from '../encode-buffer.ts';
import type { InstrumentationScope, Resource } from '../model.ts';
import { messageName, type SignalLayout } from '../signal-layout.ts';
import {
  decodeResource,
  decodeScope,
  emptyResource,
  emptyScope,
  encodeResourceField,
  encodeScopeField,
} from './common.ts';
import { ProtoReader } from './reader.ts';
import { ProtoWriter } from './writer.ts';

// Field numbers by message (the envelope all three signals share), and the wire types of their
// tags: named here, inlined as numbers when compiled (a const enum used in its own file).
// prettier-ignore
const enum Wire { LEN = 2 }
/** Export<X>ServiceRequest (and <X>Data): resource_<x> */
// prettier-ignore
const enum RequestField { resources = 1 }
/** Resource<X>: resource, scope_<x>, schema_url */
// prettier-ignore
const enum ResourceLevelField { resource = 1, scopes = 2, schemaUrl = 3 }
/** Scope<X>: scope, the items (the signal's codec writes them), schema_url */
// prettier-ignore
const enum ScopeLevelField { scope = 1, items = 2, schemaUrl = 3 }

export interface ProtoSignal<I> {
  layout: SignalLayout;
  decodeItem(r: ProtoReader, end: number): I;
  /** writes one item as field 2 of its scope message */
  encodeItem(w: ProtoWriter, item: I): void;
  /** the request's fields beside its resources (profiles' dictionary): read one into `request`, false when `tag` is not one */
  decodeRequestField?(r: ProtoReader, tag: number, request: Level): boolean;
  /** writes those fields (they come after field 1, so before the resources: see ProtoWriter) */
  encodeRequestFields?(w: ProtoWriter, request: Level): void;
}

export type Level = Record<string, unknown>;

export function decodeEnvelope<I>(bytes: Uint8Array, signal: ProtoSignal<I>): Level {
  const r = new ProtoReader(bytes);
  const resources: Level[] = [];
  const request: Level = { [signal.layout.resources]: resources };
  while (r.pos < bytes.length) {
    const tag = r.uint32();
    if (tag === ((RequestField.resources << 3) | Wire.LEN)) resources.push(decodeResourceLevel(r, r.len(), signal));
    else if (!signal.decodeRequestField?.(r, tag, request)) r.skip(tag);
  }
  return request;
}

function decodeResourceLevel<I>(r: ProtoReader, end: number, signal: ProtoSignal<I>): Level {
  let resource: Resource = emptyResource();
  const scopes: Level[] = [];
  let schemaUrl = '';
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((ResourceLevelField.scopes << 3) | Wire.LEN)) scopes.push(decodeScopeLevel(r, r.len(), signal));
    else if (tag === ((ResourceLevelField.resource << 3) | Wire.LEN)) resource = decodeResource(r, r.len(), resource);
    else if (tag === ((ResourceLevelField.schemaUrl << 3) | Wire.LEN)) schemaUrl = r.string();
    else r.skip(tag);
  }
  r.expectEnd(end, messageName(signal.layout.resources));
  return { resource, [signal.layout.scopes]: scopes, schemaUrl };
}

function decodeScopeLevel<I>(r: ProtoReader, end: number, signal: ProtoSignal<I>): Level {
  let scope: InstrumentationScope = emptyScope();
  const items: I[] = [];
  let schemaUrl = '';
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((ScopeLevelField.items << 3) | Wire.LEN)) items.push(signal.decodeItem(r, r.len()));
    else if (tag === ((ScopeLevelField.scope << 3) | Wire.LEN)) scope = decodeScope(r, r.len(), scope);
    else if (tag === ((ScopeLevelField.schemaUrl << 3) | Wire.LEN)) schemaUrl = r.string();
    else r.skip(tag);
  }
  r.expectEnd(end, messageName(signal.layout.scopes));
  return { scope, [signal.layout.items]: items, schemaUrl };
}

/** Fields last-first (see ProtoWriter); into `reused`'s memory when given. */
export function encodeEnvelope<I>(
  data: object,
  signal: ProtoSignal<I>,
  reused?: EncodeBuffer,
): Uint8Array<ArrayBuffer> {
  const { resources: resourcesKey, scopes: scopesKey, items: itemsKey } = signal.layout;
  const w = new ProtoWriter(undefined, reused);
  signal.encodeRequestFields?.(w, data as Level);
  const resources = (data as Level)[resourcesKey] as Level[];
  for (let i = resources.length - 1; i >= 0; i--) {
    const rl = resources[i];
    const end = w.written;
    w.stringField(ResourceLevelField.schemaUrl, rl.schemaUrl as string);
    const scopes = rl[scopesKey] as Level[];
    for (let j = scopes.length - 1; j >= 0; j--) {
      const sl = scopes[j];
      const scopeEnd = w.written;
      w.stringField(ScopeLevelField.schemaUrl, sl.schemaUrl as string);
      const items = sl[itemsKey] as I[];
      for (let k = items.length - 1; k >= 0; k--) signal.encodeItem(w, items[k]);
      encodeScopeField(w, ScopeLevelField.scope, sl.scope as InstrumentationScope);
      w.closeMessage(ResourceLevelField.scopes, scopeEnd);
    }
    encodeResourceField(w, ResourceLevelField.resource, rl.resource as Resource);
    w.closeMessage(RequestField.resources, end);
  }
  return w.finish();
}
