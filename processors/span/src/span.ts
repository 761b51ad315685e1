import { map, type OperatorFunction } from 'rxjs';
import type { Batch, CreateSettings, Processor } from '@flowtel/core';
import { findAttr, formatFloatF, type SpanSkip, spanSkipper } from '@flowtel/filter';
import { compileRegexp, type Regexp } from '@flowtel/regexp';
import { type AnyValue, type KeyValue, type Span, StatusCode, type Traces } from '@flowtel/pdata';
import type { SpanConfig } from './config.ts';

const CODES: Record<string, number> = { Unset: StatusCode.UNSET, Ok: StatusCode.OK, Error: StatusCode.ERROR };

/**
 * contrib's span processor, on every span include/exclude lets through, in its order: the name
 * from attributes, then attributes from the name (each rule on the name the previous one left),
 * then the status. Spans change in place (the factory declares mutatesData); their status and
 * attribute entries are replaced, never edited, since spans may share them (pdata's README).
 */
export class SpanProcessor implements Processor {
  private readonly skip?: SpanSkip;
  private readonly rules: Regexp[];
  private readonly status?: { code: number; message: string };

  constructor(
    private readonly settings: CreateSettings,
    private readonly config: SpanConfig,
  ) {
    this.skip = spanSkipper(config);
    this.rules = (config.name.to_attributes?.rules ?? []).map(compileRegexp);
    if (config.status) {
      const code = CODES[config.status.code];
      this.status = { code, message: code === StatusCode.ERROR ? config.status.description : '' };
    }
  }

  async start(): Promise<void> {}

  async shutdown(): Promise<void> {}

  operator(): OperatorFunction<Batch, Batch> {
    return map((batch) => {
      try {
        if (batch.signal === 'traces') this.traces(batch.data);
      } catch (err) {
        this.settings.logger.error({ err: (err as Error).message }, 'span processor failed on a batch; it passes on');
      }
      return batch;
    });
  }

  private traces(data: Traces): void {
    for (const rs of data.resourceSpans) {
      for (const ss of rs.scopeSpans) {
        for (const span of ss.spans) {
          if (this.skip?.(span, rs.resource, ss.scope)) continue;
          this.fromAttributes(span);
          this.toAttributes(span);
          if (this.status) span.status = { ...this.status };
        }
      }
    }
  }

  /** The new name: every listed attribute's value, joined by the separator; unchanged if one is missing. */
  private fromAttributes(span: Span): void {
    const { from_attributes: keys, separator } = this.config.name;
    if (keys.length === 0 || span.attributes.length === 0) return;
    let name = '';
    for (let i = 0; i < keys.length; i++) {
      const kv = findAttr(span.attributes, keys[i]);
      if (!kv) return;
      if (i > 0) name += separator;
      name += nameText(kv.value);
    }
    span.name = name;
  }

  /**
   * Each rule's named groups become string attributes (overwriting) and, unless
   * keep_original_name, the name has each group's text replaced by `{group}`.
   */
  private toAttributes(span: Span): void {
    const to = this.config.name.to_attributes;
    if (span.name === '' || !to) return;
    for (const re of this.rules) {
      const name = span.name;
      const idx = re.execIndex(name);
      if (!idx) continue;
      let rewritten = '';
      let at = 0;
      for (let g = 1; g < re.groupNames.length; g++) {
        const [start, end] = [idx[2 * g], idx[2 * g + 1]];
        putString(span.attributes, re.groupNames[g], start < 0 ? '' : name.slice(start, end));
        if (start < 0) continue;
        rewritten += `${name.slice(at, start)}{${re.groupNames[g]}}`;
        at = end;
      }
      if (!to.keep_original_name) span.name = rewritten + name.slice(at);
      if (to.break_after_match) break;
    }
  }
}

/** A value as contrib writes it into a name: scalars as Go prints them, other types as nothing. */
function nameText(v: AnyValue): string {
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return String(v.boolValue);
  if ('doubleValue' in v) return formatFloatF(v.doubleValue);
  if ('intValue' in v) return v.intValue.toString();
  return '';
}

function putString(attrs: KeyValue[], key: string, value: string): void {
  const entry = { key, value: { stringValue: value } };
  const i = attrs.findIndex((kv) => kv.key === key);
  if (i >= 0) attrs[i] = entry;
  else attrs.push(entry);
}
