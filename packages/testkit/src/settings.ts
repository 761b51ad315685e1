// CreateSettings for a component built directly in a test, without a collector around it.
import { metrics } from '@opentelemetry/api';
import { pino } from 'pino';
import { SharedState, type CreateSettings, type Extension, type Host, type Kind } from '@flowtel/core';

export function testSettings(id: string, kind: Kind, configDir = process.cwd()): CreateSettings {
  return {
    id,
    kind,
    logger: pino({ level: process.env.FLOWTEL_TEST_LOG ?? 'silent' }),
    meter: metrics.getMeter('test'),
    metricsLevel: 'none',
    configDir,
  };
}

/** A Host that knows the given extensions by id; components started with one host share its state. */
export function testHost(extensions: Record<string, Extension> = {}): Host {
  return { getExtension: (id) => extensions[id], shared: new SharedState() };
}
