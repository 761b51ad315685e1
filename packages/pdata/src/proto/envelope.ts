// Request → Resource<X> (resource 1, scope_<x> 2, schema_url 3) → Scope<X> (scope 1, items 2,
// schema_url 3): identical field numbers for traces, metrics and logs.
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

export interface ProtoSignal<I> {
  layout: SignalLayout;
  decodeItem(r: ProtoReader, end: number): I;
  /** writes one item as field 2 of its scope message */
  encodeItem(w: ProtoWriter, item: I): void;
}

type Level = Record<string, unknown>;

export function decodeEnvelope<I>(bytes: Uint8Array, signal: ProtoSignal<I>): Level {
  const r = new ProtoReader(bytes);
  const resources: Level[] = [];
  while (r.pos < bytes.length) {
    const tag = r.uint32();
    if (tag === 10) resources.push(decodeResourceLevel(r, r.len(), signal));
    else r.skip(tag);
  }
  return { [signal.layout.resources]: resources };
}

function decodeResourceLevel<I>(r: ProtoReader, end: number, signal: ProtoSignal<I>): Level {
  let resource: Resource = emptyResource();
  const scopes: Level[] = [];
  let schemaUrl = '';
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 18) scopes.push(decodeScopeLevel(r, r.len(), signal));
    else if (tag === 10) resource = decodeResource(r, r.len(), resource);
    else if (tag === 26) schemaUrl = r.string();
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
    if (tag === 18) items.push(signal.decodeItem(r, r.len()));
    else if (tag === 10) scope = decodeScope(r, r.len(), scope);
    else if (tag === 26) schemaUrl = r.string();
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
  const resources = (data as Level)[resourcesKey] as Level[];
  for (let i = resources.length - 1; i >= 0; i--) {
    const rl = resources[i];
    const end = w.written;
    w.stringField(3, rl.schemaUrl as string);
    const scopes = rl[scopesKey] as Level[];
    for (let j = scopes.length - 1; j >= 0; j--) {
      const sl = scopes[j];
      const scopeEnd = w.written;
      w.stringField(3, sl.schemaUrl as string);
      const items = sl[itemsKey] as I[];
      for (let k = items.length - 1; k >= 0; k--) signal.encodeItem(w, items[k]);
      encodeScopeField(w, 1, sl.scope as InstrumentationScope);
      w.closeMessage(2, scopeEnd);
    }
    encodeResourceField(w, 1, rl.resource as Resource);
    w.closeMessage(1, end);
  }
  return w.finish();
}
