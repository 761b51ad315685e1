// CreateSettings for a component built directly in a test, without a collector around it.
import { metrics } from '@opentelemetry/api';
import { pino } from 'pino';
import { SharedState, type CreateSettings, type Extension, type Factory, type Host, type Kind } from '@flowtel/core';

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

/**
 * A Host that knows the given extensions by id and hands out the given factories (to the
 * components that build others'); components started with one host share its state.
 */
export function testHost(extensions: Record<string, Extension> = {}, factories: Factory[] = []): Host {
  return {
    getExtension: (id) => extensions[id],
    getFactory: (kind, type) => factories.find((f) => f.kind === kind && f.type === type),
    shared: new SharedState(),
  };
}
