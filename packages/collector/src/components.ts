// The components built into flowtel. A new component is a workspace package exporting a
// `factory`; add it here.
import { Registry, type Factory } from '@flowtel/core';
import { factory as forwardConnector } from '@flowtel/connector-forward';
import { factory as fileStorageExtension } from '@flowtel/extension-file-storage';
import { factory as healthCheckExtension } from '@flowtel/extension-health-check';
import { factory as batchProcessor } from '@flowtel/processor-batch';

export const builtinFactories: Factory[] = [
  batchProcessor,
  forwardConnector,
  fileStorageExtension,
  healthCheckExtension,
];

export function builtinRegistry(): Registry {
  const registry = new Registry();
  for (const f of builtinFactories) registry.add(f);
  return registry;
}
