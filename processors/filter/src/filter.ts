import { filter } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import type { Counter } from '@opentelemetry/api';
import { type Batch, type CreateSettings, type OtlpV1Signal, type Processor, permanent } from '@flowtel/core';
import { type FilterSetConfig, attributesMatcher, logSkipper, metricSkipper, spanSkipper } from '@flowtel/filter';
import {
  type ContextName,
  TransformContext,
  type Visit,
  anyOf,
  compileConditions,
  walkLogs,
  walkMetrics,
  walkTraces,
} from '@flowtel/ottl';
import {
  type Logs,
  type Metrics,
  type Traces,
  copyData,
  dataPointCount,
  logRecordCount,
  passThroughBytes,
  spanCount,
} from '@flowtel/pdata';
import { type FilterConfig, type Step, plan } from './config.ts';

type Data = Traces | Metrics | Logs;
type Walk = (data: Data, context: ContextName, visit: Visit, tc: TransformContext) => void;

/** contrib's instrument per signal, with its description */
export const FILTERED: Record<OtlpV1Signal, [string, string]> = {
  traces: ['otelcol_processor_filter_spans.filtered', 'Number of spans dropped by the filter processor'],
  metrics: [
    'otelcol_processor_filter_datapoints.filtered',
    'Number of metric data points dropped by the filter processor',
  ],
  logs: ['otelcol_processor_filter_logs.filtered', 'Number of logs dropped by the filter processor'],
};

const COUNT: Record<OtlpV1Signal, (d: never) => number> = {
  traces: spanCount,
  metrics: dataPointCount,
  logs: logRecordCount,
};
const WALK: Record<OtlpV1Signal, Walk> = {
  traces: walkTraces as Walk,
  metrics: walkMetrics as Walk,
  logs: walkLogs as Walk,
};

/** A condition failed to evaluate and error_mode is propagate. */
class ConditionError extends Error {}

interface Pass {
  context: ContextName;
  visit: (failed: (err: unknown) => void) => Visit;
  errorMode: 'ignore' | 'silent' | 'propagate';
  texts: string[];
}

/**
 * Drops the items the conditions match, as otelcol-contrib's filter processor: per step, each
 * item of the step's context is dropped when any condition holds; a container the drops leave
 * empty goes with them; a batch left empty is acknowledged and goes no further. The dropped
 * items are counted (otelcol_processor_filter_*.filtered). A batch nothing is dropped from
 * leaves as it came, with the request bytes of a pass-through model.
 */
export class FilterProcessor implements Processor {
  private readonly passes: Pass[];
  private readonly filtered: Counter;
  private readonly attrs: { filter: string };

  constructor(
    private readonly settings: CreateSettings,
    config: FilterConfig,
    private readonly signal: OtlpV1Signal,
  ) {
    this.passes = plan(config, signal).map((s) => this.pass(s));
    const [name, description] = FILTERED[signal];
    this.filtered = settings.meter.createCounter(name, { description, unit: '1' });
    this.attrs = { filter: settings.id };
  }

  private pass(s: Step): Pass {
    if (s.kind === 'ottl') {
      const when = anyOf(compileConditions(s.context, s.conditions));
      return {
        context: s.context,
        errorMode: s.errorMode,
        texts: s.conditions,
        visit: (failed) => (tc) => {
          try {
            return when(tc);
          } catch (err) {
            failed(err);
            // a condition that cannot be evaluated keeps the item
            return false;
          }
        },
      };
    }
    const none = () => false;
    if (s.kind === 'spans') {
      const skip = spanSkipper(s.match) ?? none;
      return {
        context: 'span',
        errorMode: 'propagate',
        texts: [],
        visit: () => (tc) => skip(tc.span!, tc.resource, tc.scope),
      };
    }
    if (s.kind === 'logs') {
      const skip = logSkipper(s.match) ?? none;
      return {
        context: 'log',
        errorMode: 'propagate',
        texts: [],
        visit: () => (tc) => skip(tc.log!, tc.resource, tc.scope),
      };
    }
    // legacy metrics: resources by their attributes, then metrics by name
    const resourceOf = (side: 'include' | 'exclude') => {
      const p = s.resources[side];
      return (
        p &&
        attributesMatcher(p.resources, { match_type: p.match_type as FilterSetConfig['match_type'], regexp: p.regexp })
      );
    };
    const include = resourceOf('include');
    const exclude = resourceOf('exclude');
    const skipMetric = metricSkipper(s.match) ?? none;
    return {
      context: 'metric',
      errorMode: 'propagate',
      texts: [],
      visit: () => (tc) => {
        const attrs = tc.resource.attributes;
        if (include && !include(attrs)) return true;
        if (exclude && exclude(attrs)) return true;
        return skipMetric(tc.metric!);
      },
    };
  }

  async start(): Promise<void> {}
  async shutdown(): Promise<void> {}

  operator(): OperatorFunction<Batch, Batch> {
    return filter((batch) => {
      if (!this.passes.length || batch.signal === 'socket') return true;
      const original = batch.data as Data;
      // a pass-through request is read through a copy of its model: kept whole, the original
      // (still only bytes) goes on and is sent as it came
      const view = passThroughBytes(original) ? copyData(original) : original;
      const before = COUNT[this.signal](original as never);
      let dropped = false;
      try {
        for (const p of this.passes) dropped = this.run(p, view) || dropped;
      } catch (err) {
        if (!(err instanceof ConditionError)) throw err;
        batch.ack.reject(permanent(err.message));
        return false;
      }
      const after = COUNT[this.signal](view as never);
      if (!dropped) return true;
      if (after < before) this.filtered.add(before - after, this.attrs);
      batch.data = view as never;
      batch.items = after;
      if (isEmpty(view)) {
        // nothing left: acknowledged here, as otelcol's processorhelper.ErrSkipProcessingData
        batch.ack.resolve();
        return false;
      }
      return true;
    });
  }

  /** Runs one pass; whether it dropped anything (a span event drops no span). */
  private run(p: Pass, data: Data): boolean {
    let failures = 0;
    let first: unknown;
    let dropped = false;
    const decide = p.visit((err) => {
      if (p.errorMode === 'propagate')
        throw new ConditionError(`failed to evaluate condition: ${p.texts.join(' or ')}: ${String(err)}`);
      if (p.errorMode === 'ignore' && failures++ === 0) first = err;
    });
    const visit: Visit = (tc) => {
      const drop = decide(tc);
      if (drop) dropped = true;
      return drop;
    };
    WALK[this.signal](data, p.context, visit, new TransformContext());
    if (failures)
      this.settings.logger.warn(
        { conditions: p.texts, error: String(first), items: failures, signal: this.signal },
        'failed to evaluate condition',
      );
    return dropped;
  }
}

function isEmpty(d: Data): boolean {
  if ('resourceSpans' in d) return d.resourceSpans.length === 0;
  if ('resourceMetrics' in d) return d.resourceMetrics.length === 0;
  return d.resourceLogs.length === 0;
}
