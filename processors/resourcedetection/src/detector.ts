// What every detector is given and gives back.
import type { CreateSettings } from '@flowtel/core';
import { toAnyValue, type AnyValue, type KeyValue } from '@flowtel/pdata';

export interface DetectContext {
  /** aborts when the attempt's time (`timeout`) is up or the processor shuts down */
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  logger: CreateSettings['logger'];
}

/**
 * The platform a detector looks for is not there (no metadata service answered, the variable
 * is unset). Not an error: the detector adds nothing and says so once, unless
 * `fail_on_missing_metadata` asks for it to count as a failure.
 */
export class NotOnPlatform extends Error {}

export type Detector = (ctx: DetectContext) => Promise<KeyValue[]>;

/** Collects the attributes a detector found, keeping only those the config enables. */
export class AttrBuilder {
  readonly attributes: KeyValue[] = [];
  constructor(private readonly enabled: ReadonlySet<string>) {}

  set(key: string, value: string | number | undefined | null): this {
    if (value === undefined || value === null || !this.enabled.has(key)) return this;
    this.attributes.push({ key, value: toAnyValue(typeof value === 'number' ? BigInt(value) : value) });
    return this;
  }

  setSlice(key: string, values: string[]): this {
    if (!this.enabled.has(key)) return this;
    const arrayValue: { values: AnyValue[] } = { values: values.map((v) => ({ stringValue: v })) };
    this.attributes.push({ key, value: { arrayValue } });
    return this;
  }

  /** unfiltered: keys the user chose by pattern (tags), not by resource_attributes */
  setAlways(key: string, value: string): this {
    this.attributes.push({ key, value: { stringValue: value } });
    return this;
  }
}
