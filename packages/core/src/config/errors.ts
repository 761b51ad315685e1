export interface Position {
  file: string;
  line: number;
  column: number;
}

export const KEY_SEPARATOR = '::';

/** One problem in a config, located at a file, a line and a key path. */
export class ConfigProblem {
  readonly path: string[];
  readonly message: string;
  readonly position?: Position;
  constructor(path: string[], message: string, position?: Position) {
    this.path = path;
    this.message = message;
    this.position = position;
  }

  toString(): string {
    const where = this.position ? `${this.position.file}:${this.position.line}:${this.position.column}: ` : '';
    const key = this.path.length ? `${this.path.join(KEY_SEPARATOR)}: ` : '';
    return `${where}${key}${this.message}`;
  }
}

export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
