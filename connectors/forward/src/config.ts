import { z } from '@flowtel/core';

export const configSchema = z.object({}).strict();
export type ForwardConfig = z.output<typeof configSchema>;
