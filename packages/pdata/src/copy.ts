// A copy of OTLP data for a consumer that changes what it gets. A request nothing has looked
// at is copied as its bytes' entry (a new lazily decoded model over the same, never changed,
// bytes), so the copy still leaves as those bytes; decoded data is deep-copied.
import type { OtlpData } from './otlp-ops.ts';
import { copyPassThrough } from './proto/pass-through.ts';

export const copyData = <T extends OtlpData>(data: T): T => copyPassThrough(data) ?? structuredClone(data);
