// contrib's env detector: OTEL_RESOURCE_ATTRIBUTES (or the older OTEL_RESOURCE) as
// `key1=value1,key2=value2`, values URL-query-unescaped, malformed text refused whole.
import { attr, type KeyValue } from '@flowtel/pdata';
import type { DetectContext, Detector } from '../detector.ts';

/** contrib's labelRegex: a key=value pair up to a comma or the end, spaces around trimmed. */
const LABEL = /\s*([\x00-\x7f]{1,256}?)\s*=\s*([\x00-\x7f]{0,256}?)\s*(?:,|$)/gy;

export const envDetector: Detector = async (ctx: DetectContext) => {
  let labels = (ctx.env.OTEL_RESOURCE_ATTRIBUTES ?? '').trim();
  if (labels === '') labels = (ctx.env.OTEL_RESOURCE ?? '').trim();
  if (labels === '') return [];
  return parseResourceAttributes(labels);
};

export function parseResourceAttributes(s: string): KeyValue[] {
  const out: KeyValue[] = [];
  LABEL.lastIndex = 0;
  let end = 0;
  for (let m = LABEL.exec(s); m; m = LABEL.exec(s)) {
    const pair = m[0];
    let value: string;
    try {
      value = queryUnescape(m[2]);
    } catch (err) {
      throw new Error(`invalid resource format in attribute: "${pair}", err: ${(err as Error).message}`);
    }
    out.push(attr(m[1], value));
    end = LABEL.lastIndex;
  }
  if (out.length === 0) throw new Error(`invalid resource format: "${s}"`);
  if (end !== s.length) throw new Error(`invalid resource format, invalid text: "${s.slice(end)}"`);
  return out;
}

/** Go's url.QueryUnescape: `+` is a space, `%XX` a byte, a bad escape an error. */
function queryUnescape(v: string): string {
  const bad = /%(?![0-9a-fA-F]{2})/.exec(v);
  if (bad) throw new Error(`invalid URL escape "${v.slice(bad.index, bad.index + 3)}"`);
  const bytes: number[] = [];
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c === '%') {
      bytes.push(parseInt(v.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === '+') bytes.push(0x20);
    else bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}
