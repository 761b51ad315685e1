import { actionsSchema } from '@flowtel/attraction';
import { z } from '@flowtel/core';
import { matchConfigShape } from '@flowtel/filter';

// contrib's Config: MatchConfig (include/exclude) and attraction.Settings (actions), squashed.
export const attributesConfigSchema = z
  .object({
    /** applied in order; required, as contrib's Validate says */
    actions: actionsSchema('actions').default([]),
    ...matchConfigShape,
  })
  .strict();

export type AttributesConfig = z.output<typeof attributesConfigSchema>;
