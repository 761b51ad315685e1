// The other end of a request log. The l7 processor's resource is the process that captured
// the request; its peer (the server a client called, the client a server answered) is known
// only by IP. When that IP is a pod's, the request log gets the peer's pod-level ids too, as
// DeepFlow fills both the _0 and _1 tag columns.
import { attr, type KeyValue } from '@flowtel/pdata';
import type { TagDictionary } from './dictionary.ts';
import type { TagSet } from './resolve.ts';
import { PEER_KINDS, peerIdAttribute } from '@flowtel/core/smartencoding';

/** Where decoded peer attributes go: `flowtel.peer.k8s.pod.name`. */
export const DECODED_PEER_PREFIX = 'flowtel.peer.';

const text = (kv: KeyValue | undefined) => (kv && 'stringValue' in kv.value ? kv.value.stringValue : undefined);

/** The peer's IP of a request log: ip_1 (the server) when the client captured it, else ip_0. */
export function peerAddress(attributes: KeyValue[]): string | undefined {
  let tapSide: string | undefined;
  let ip0: string | undefined;
  let ip1: string | undefined;
  for (const kv of attributes) {
    if (kv.key === 'tap_side') tapSide = text(kv);
    else if (kv.key === 'ip_0') ip0 = text(kv);
    else if (kv.key === 'ip_1') ip1 = text(kv);
  }
  if (!tapSide) return undefined;
  return tapSide.startsWith('c') ? ip1 : ip0;
}

/** The peer id attributes of a tag set, its entries interned. */
export function peerIdAttributes(set: TagSet, dictionary: TagDictionary): KeyValue[] {
  const out: KeyValue[] = [];
  for (const kind of PEER_KINDS) {
    const c = set[kind];
    if (c) out.push(attr(peerIdAttribute(kind), dictionary.intern(kind, c.key, c.name, c.attributes)));
  }
  return out;
}
