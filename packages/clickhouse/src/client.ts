// What the exporter and `flowtel query` need from a ClickHouse engine, embedded or remote.

export interface ClickHouseClient {
  /** Runs one statement; the result in `format` (TabSeparated when not given). */
  query(sql: string, format?: string, signal?: AbortSignal): Promise<Buffer>;
  /** Runs `INSERT ... FORMAT <fmt>` with `data` (one buffer or pieces in order) as its payload. */
  insertRaw(insert: string, data: Buffer | Buffer[], signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** A failure reported by the engine, with ClickHouse's error code when it gave one. */
export class ClickHouseError extends Error {
  readonly code?: number;
  constructor(message: string, code?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClickHouseError';
    this.code = code;
  }
}

/** The code in a ClickHouse exception text: "Code: 60. DB::Exception: ...". */
export function codeOf(message: string): number | undefined {
  const m = /Code: (\d+)/.exec(message);
  return m ? Number(m[1]) : undefined;
}

/**
 * Codes that mean the data or the statement is wrong, not the engine busy or away: retrying
 * the same INSERT cannot succeed.
 */
const PERMANENT_CODES = new Set([
  6, // CANNOT_PARSE_TEXT
  16, // NO_SUCH_COLUMN_IN_TABLE
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  33, // CANNOT_READ_ALL_DATA
  36, // BAD_ARGUMENTS
  43, // ILLEGAL_TYPE_OF_ARGUMENT
  47, // UNKNOWN_IDENTIFIER
  53, // TYPE_MISMATCH
  62, // SYNTAX_ERROR
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  117, // INCORRECT_DATA
  516, // AUTHENTICATION_FAILED
]);

export function isPermanent(err: unknown): boolean {
  return err instanceof ClickHouseError && err.code !== undefined && PERMANENT_CODES.has(err.code);
}

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
