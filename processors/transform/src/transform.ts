import { filter } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import { type Batch, type CreateSettings, type OtlpV1Signal, type Processor, permanent } from '@flowtel/core';
import {
  type ContextName,
  type Predicate,
  type Runner,
  TransformContext,
  type Visit,
  anyOf,
  compileConditions,
  compileStatements,
  transformFunctions,
  walkLogs,
  walkMetrics,
  walkTraces,
} from '@flowtel/ottl';
import { type Logs, type Metrics, type Traces, dataPointCount } from '@flowtel/pdata';
import { type ErrorMode, type StatementsKey, type TransformConfig, groupsOf } from './config.ts';

interface Group {
  context: ContextName;
  errorMode: ErrorMode;
  when?: Predicate;
  runs: Runner[];
  texts: string[];
}

const KEY: Record<OtlpV1Signal, StatementsKey> = {
  traces: 'trace_statements',
  metrics: 'metric_statements',
  logs: 'log_statements',
};

/** A statement failed and error_mode is propagate: the batch is refused. */
class StatementError extends Error {}

/**
 * Runs the pipeline signal's statement groups in order over each batch, as otelcol's
 * transform processor: per item of the group's context, the group's conditions (ORed), then
 * each statement with its `where`. A failing statement is logged and skipped (`ignore`),
 * skipped (`silent`), or refuses the whole batch (`propagate`).
 */
export class TransformProcessor implements Processor {
  private readonly groups: Group[];
  private readonly walk: (data: never, context: ContextName, visit: Visit, tc: TransformContext) => void;

  constructor(
    private readonly settings: CreateSettings,
    config: TransformConfig,
    private readonly signal: OtlpV1Signal,
  ) {
    const functions = transformFunctions();
    this.groups = groupsOf(config, KEY[signal]).map((g) => ({
      context: g.context,
      errorMode: g.errorMode,
      when: g.conditions.length ? anyOf(compileConditions(g.context, g.conditions, { functions })) : undefined,
      runs: compileStatements(g.context, g.statements, { functions }),
      texts: g.statements,
    }));
    this.walk = (signal === 'traces' ? walkTraces : signal === 'metrics' ? walkMetrics : walkLogs) as typeof this.walk;
  }

  async start(): Promise<void> {}
  async shutdown(): Promise<void> {}

  operator(): OperatorFunction<Batch, Batch> {
    return filter((batch) => {
      if (!this.groups.length || batch.signal === 'socket') return true;
      try {
        for (const g of this.groups) this.run(g, batch.data as Traces | Metrics | Logs);
      } catch (err) {
        if (!(err instanceof StatementError)) throw err;
        batch.ack.reject(permanent(err.message));
        return false;
      }
      if (batch.signal === 'metrics') batch.items = dataPointCount(batch.data);
      return true;
    });
  }

  private run(g: Group, data: Traces | Metrics | Logs): void {
    const { runs, when, errorMode } = g;
    // failures per statement in this batch (-1: the group's conditions): logged once per batch
    let failures: Map<number, { count: number; error: unknown }> | undefined;
    const failed = (i: number, err: unknown) => {
      if (errorMode === 'propagate')
        throw new StatementError(
          `failed to execute statement: ${i < 0 ? g.texts.join('; ') : g.texts[i]}: ${String(err)}`,
        );
      if (errorMode === 'silent') return;
      failures ??= new Map();
      const f = failures.get(i);
      if (f) f.count++;
      else failures.set(i, { count: 1, error: err });
    };
    const visit: Visit = (tc) => {
      if (when) {
        let pass = false;
        try {
          pass = when(tc);
        } catch (err) {
          failed(-1, err);
        }
        if (!pass) return false;
      }
      for (let i = 0; i < runs.length; i++) {
        try {
          runs[i](tc);
        } catch (err) {
          failed(i, err);
        }
      }
      return false;
    };
    this.walk(data as never, g.context, visit, new TransformContext());
    if (failures)
      for (const [i, f] of failures)
        this.settings.logger.warn(
          { statement: i < 0 ? 'conditions' : g.texts[i], error: String(f.error), items: f.count, signal: this.signal },
          'failed to execute statement',
        );
  }
}
