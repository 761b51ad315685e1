// The collector-contrib ClickHouse exporter's keys: the store's (packages/clickhouse) and the
// exporter helper's queue, retry and timeout.
import { exporterHelperShape, z } from '@flowtel/core';
import { storeConfigProblem, storeShape } from '@flowtel/clickhouse';

export const configSchema = z
  .object({
    ...storeShape,
    ...exporterHelperShape,
  })
  .strict()
  .superRefine((c, ctx) => {
    const problem = storeConfigProblem(c);
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem, path: ['http_interface'] });
  });

export type ClickHouseConfig = z.output<typeof configSchema>;
