// The operation and main table of a SQL statement, for db.operation.name, db.collection.name
// and an endpoint like DeepFlow's ("SELECT users").

export interface SqlShape {
  operation: string;
  table: string | undefined;
}

const TABLE_AFTER: Record<string, RegExp> = {
  SELECT: /\bFROM\s+([`"\w.$]+)/i,
  DELETE: /\bFROM\s+([`"\w.$]+)/i,
  INSERT: /\bINTO\s+([`"\w.$]+)/i,
  REPLACE: /\bINTO\s+([`"\w.$]+)/i,
  UPDATE: /^\s*UPDATE\s+(?:LOW_PRIORITY\s+|IGNORE\s+)*([`"\w.$]+)/i,
  CREATE: /\bTABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([`"\w.$]+)/i,
  DROP: /\bTABLE\s+(?:IF\s+EXISTS\s+)?([`"\w.$]+)/i,
  ALTER: /\bTABLE\s+([`"\w.$]+)/i,
  TRUNCATE: /^\s*TRUNCATE\s+(?:TABLE\s+)?([`"\w.$]+)/i,
  DESC: /^\s*DESC\s+([`"\w.$]+)/i,
  DESCRIBE: /^\s*DESCRIBE\s+([`"\w.$]+)/i,
};

const isLetter = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/** Leading comments and whitespace skipped; the first keyword upper-cased. */
export function sqlShape(sql: string): SqlShape {
  // most statements start with their keyword: no comment or space to strip
  const stripped = isLetter(sql.charCodeAt(0)) ? sql : sql.replace(/^(\s|\/\*[\s\S]*?\*\/|--[^\n]*\n)+/, '');
  let keywordEnd = 0;
  while (isLetter(stripped.charCodeAt(keywordEnd))) keywordEnd++;
  const operation = stripped.slice(0, keywordEnd).toUpperCase();
  const pattern = TABLE_AFTER[operation];
  const table = pattern?.exec(stripped)?.[1]?.replace(/[`"]/g, '');
  return { operation, table };
}

export function sqlEndpoint(shape: SqlShape): string | undefined {
  if (!shape.operation) return undefined;
  return shape.table ? `${shape.operation} ${shape.table}` : shape.operation;
}
