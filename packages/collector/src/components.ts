// The components built into flowtel. A new component is a workspace package exporting a
// `factory`; add it here.
import { Registry, type Factory } from '@flowtel/core';

export const builtinFactories: Factory[] = [];

export function builtinRegistry(): Registry {
  const registry = new Registry();
  for (const f of builtinFactories) registry.add(f);
  return registry;
}
