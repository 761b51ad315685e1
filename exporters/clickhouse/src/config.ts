// The collector-contrib ClickHouse exporter's keys: the store's (packages/clickhouse) and the
// exporter helper's queue, retry and timeout.
import { exporterHelperShape, z } from '@flowtel/core';
import { storeShape } from '@flowtel/clickhouse';

export const configSchema = z
  .object({
    ...storeShape,
    ...exporterHelperShape,
  })
  .strict();

export type ClickHouseConfig = z.output<typeof configSchema>;
