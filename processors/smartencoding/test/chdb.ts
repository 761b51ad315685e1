// The embedded ClickHouse engine for tests and the benchmark, as a StatementRunner.
import { createRequire } from 'node:module';
import type { StatementRunner } from '@flowtel/clickhouse';

interface ChdbSession {
  queryAsync(sql: string, opts?: { format?: string }): Promise<{ bytes(): Uint8Array; text(): string }>;
  close(): void;
}

export interface Engine extends StatementRunner {
  /** a SELECT's rows as objects */
  rows<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  text(sql: string): Promise<string>;
  close(): void;
}

/** An engine on `folder`, or undefined when the chdb package is not installed. */
export function openEngine(folder: string): Engine | undefined {
  let Session: new (path: string) => ChdbSession;
  try {
    ({ Session } = createRequire(import.meta.url)('chdb') as { Session: new (path: string) => ChdbSession });
  } catch {
    return undefined;
  }
  const session = new Session(folder);
  const text = async (sql: string) => (await session.queryAsync(sql, { format: 'TabSeparated' })).text();
  return {
    query: text,
    text,
    // inline payloads are fine for text formats
    insertRaw: async (insert, data) =>
      void (await session.queryAsync(`${insert}\n${data.toString('utf8')}`, { format: 'TabSeparated' })),
    async rows<T>(sql: string) {
      const out = (await session.queryAsync(sql, { format: 'JSONEachRow' })).text();
      return out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as T);
    },
    close: () => session.close(),
  };
}
