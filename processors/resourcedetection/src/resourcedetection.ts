import { setTimeout as sleep } from 'node:timers/promises';
import { map, type OperatorFunction } from 'rxjs';
import { resourcesOf, type Batch, type CreateSettings, type Processor } from '@flowtel/core';
import type { AnyValue, KeyValue } from '@flowtel/pdata';
import type { DetectorName, ResourceDetectionConfig } from './config.ts';
import { NotOnPlatform, type Detector } from './detector.ts';
import { azureDetector } from './detectors/azure.ts';
import { dockerDetector } from './detectors/docker.ts';
import { ec2Detector } from './detectors/ec2.ts';
import { envDetector } from './detectors/env.ts';
import { gcpDetector } from './detectors/gcp.ts';
import { systemDetector } from './detectors/system.ts';

const DETECTORS: Record<DetectorName, (c: ResourceDetectionConfig) => Detector> = {
  env: () => envDetector,
  system: (c) => systemDetector(c.system),
  docker: (c) => dockerDetector(c.docker),
  ec2: (c) => ec2Detector(c.ec2),
  gcp: (c) => gcpDetector(c.gcp),
  azure: (c) => azureDetector(c.azure),
};

type Outcome = { attributes: KeyValue[] } | { error: Error };

/**
 * contrib's resourcedetection processor. The detectors run once, together, when the processor
 * starts (before the pipeline takes data) and again every refresh_interval when one is set;
 * what they found is merged in the order of `detectors` (the first to set a key wins) and
 * added to every resource that passes: kept where the resource has the key unless `override`.
 * A detector that fails makes the start fail, as contrib's errors propagate; a detector whose
 * platform is absent adds nothing and says so once.
 */
export class ResourceDetectionProcessor implements Processor {
  private readonly config: ResourceDetectionConfig;
  private readonly logger: CreateSettings['logger'];
  private readonly detectors: Array<[DetectorName, Detector]>;
  /** aborts detection in flight and the refresh loop */
  private readonly stopping = new AbortController();
  private refreshTimer?: NodeJS.Timeout;
  private detected: KeyValue[] = [];
  private detectedKeys = new Set<string>();

  constructor(settings: CreateSettings, config: ResourceDetectionConfig) {
    this.config = config;
    this.logger = settings.logger;
    this.detectors = config.detectors.map((name) => [name, DETECTORS[name](config)]);
  }

  async start(): Promise<void> {
    const { attributes, errors } = await this.detectAll();
    if (errors.length) throw new Error(errors.map((e) => e.message).join('; '));
    this.use(attributes);
    const every = this.config.refresh_interval;
    if (every > 0) {
      this.refreshTimer = setInterval(() => void this.refresh(), every);
      this.refreshTimer.unref();
    }
  }

  async shutdown(): Promise<void> {
    clearInterval(this.refreshTimer);
    this.stopping.abort(new Error('the processor is shutting down'));
  }

  /** the attributes detection found, as they are added */
  get attributes(): readonly KeyValue[] {
    return this.detected;
  }

  operator(): OperatorFunction<Batch, Batch> {
    return map((batch) => {
      const detected = this.detected;
      if (detected.length === 0) return batch;
      for (const resource of resourcesOf(batch)) {
        const attrs = resource.attributes;
        if (this.config.override) {
          resource.attributes = attrs.filter((kv) => !this.detectedKeys.has(kv.key));
          for (const kv of detected) resource.attributes.push(copy(kv));
        } else {
          const present = new Set(attrs.map((kv) => kv.key));
          for (const kv of detected) if (!present.has(kv.key)) attrs.push(copy(kv));
        }
      }
      return batch;
    });
  }

  private use(attributes: KeyValue[]): void {
    this.detected = attributes;
    this.detectedKeys = new Set(attributes.map((kv) => kv.key));
  }

  /** contrib's refresh: a failed refresh keeps the last good result */
  private async refresh(): Promise<void> {
    const { attributes, errors } = await this.detectAll();
    if (this.stopping.signal.aborted) return;
    if (errors.length && this.detected.length) {
      this.logger.warn(
        { err: errors.map((e) => e.message).join('; ') },
        'resource refresh failed; keeping previous snapshot',
      );
      return;
    }
    this.use(attributes);
  }

  private async detectAll(): Promise<{ attributes: KeyValue[]; errors: Error[] }> {
    this.logger.info('began detecting resource information');
    const outcomes = await Promise.all(this.detectors.map(([name, d]) => this.detectOne(name, d)));
    const merged: KeyValue[] = [];
    const seen = new Set<string>();
    const errors: Error[] = [];
    for (const o of outcomes) {
      if ('error' in o) {
        errors.push(o.error);
        continue;
      }
      for (const kv of o.attributes) {
        if (seen.has(kv.key)) continue;
        seen.add(kv.key);
        merged.push(kv);
      }
    }
    this.logger.info(
      { resource: Object.fromEntries(merged.map((kv) => [kv.key, plain(kv.value)])) },
      'detected resource information',
    );
    return { attributes: merged, errors };
  }

  /**
   * One detector with contrib's retry: a failed attempt is tried again after a growing,
   * randomized wait, within `timeout` (or retry.max_elapsed_time when set, each attempt then
   * bounded by `timeout`).
   */
  private async detectOne(name: DetectorName, detector: Detector): Promise<Outcome> {
    const { timeout, retry } = this.config;
    const budget = retry.max_elapsed_time > 0 ? retry.max_elapsed_time : timeout;
    const session =
      budget > 0 ? AbortSignal.any([this.stopping.signal, AbortSignal.timeout(budget)]) : this.stopping.signal;
    const failOnMissing =
      this.config.fail_on_missing_metadata || (name === 'ec2' && this.config.ec2.fail_on_missing_metadata);
    let interval = retry.initial_interval;
    for (;;) {
      const signal =
        retry.max_elapsed_time > 0 && timeout > 0 ? AbortSignal.any([session, AbortSignal.timeout(timeout)]) : session;
      try {
        return { attributes: await detector({ signal, env: process.env, logger: this.logger }) };
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        if (error instanceof NotOnPlatform && !failOnMissing) {
          this.logger.info(
            { detector: name, reason: error.message },
            `${name} detector: platform not found; it adds nothing`,
          );
          return { attributes: [] };
        }
        this.logger.warn({ detector: name, err: error.message }, 'failed to detect resource');
        const failed = { error: new Error(`${name} detector: ${error.message}`) };
        if (!retry.enabled || session.aborted) return failed;
        const wait = interval * (1 + retry.randomization_factor * (2 * Math.random() - 1));
        interval = Math.min(interval * retry.multiplier, retry.max_interval);
        try {
          await sleep(wait, undefined, { signal: session });
        } catch {
          return failed;
        }
      }
    }
  }
}

/** each resource gets its own attribute: processors after this one may edit it in place */
function copy(kv: KeyValue): KeyValue {
  const v = kv.value as { arrayValue?: { values: AnyValue[] } };
  return { key: kv.key, value: v.arrayValue ? { arrayValue: { values: [...v.arrayValue.values] } } : { ...kv.value } };
}

function plain(v: AnyValue): unknown {
  const x = v as { stringValue?: string; intValue?: bigint; arrayValue?: { values: AnyValue[] } };
  if (x.arrayValue) return x.arrayValue.values.map(plain);
  if (x.intValue !== undefined) return Number(x.intValue);
  return x.stringValue;
}
