// contrib's groupbyattrsprocessor Config.
import { z } from '@flowtel/core';

export const groupByAttrsConfigSchema = z
  .object({
    /** attribute keys moved to the resource; empty only compacts resources and scopes */
    keys: z.array(z.string()).default([]),
  })
  .strict();

export type GroupByAttrsConfig = z.output<typeof groupByAttrsConfigSchema>;
