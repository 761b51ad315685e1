import { actionsSchema } from '@flowtel/attraction';
import { z } from '@flowtel/core';

// contrib's Config: the actions on resource attributes, required.
export const resourceConfigSchema = z
  .object({
    attributes: actionsSchema('attributes').default([]),
  })
  .strict();

export type ResourceConfig = z.output<typeof resourceConfigSchema>;
