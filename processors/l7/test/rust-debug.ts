// Reads the values that DeepFlow's parser tests print with Rust's `{:?}` (Debug) format, so the
// conformance test can compare fields instead of whole strings.
//   Struct { a: 1, b: "x" }  -> { __type: 'Struct', a: 1, b: 'x' }
//   Some(x) -> x, None -> null, Tuple(a, b) -> { __type: 'Tuple', __items: [a, b] }
//   Ident -> 'Ident', [a, b] -> [a, b], {"k": v} -> { k: v }

export type DebugValue = null | string | number | boolean | DebugValue[] | { [key: string]: DebugValue };

class Reader {
  pos = 0;
  constructor(readonly s: string) {}

  ws(): void {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos])) this.pos++;
  }

  peek(): string {
    this.ws();
    return this.s[this.pos];
  }

  expect(c: string): void {
    this.ws();
    if (this.s[this.pos] !== c)
      throw new Error(`expected '${c}' at ${this.pos}: ${this.s.slice(this.pos, this.pos + 30)}`);
    this.pos++;
  }

  ident(): string {
    this.ws();
    const m = /^[A-Za-z_]\w*(::\w+)*/.exec(this.s.slice(this.pos, this.pos + 200));
    if (!m) throw new Error(`expected identifier at ${this.pos}: ${this.s.slice(this.pos, this.pos + 30)}`);
    this.pos += m[0].length;
    return m[0];
  }

  string(): string {
    this.expect('"');
    let out = '';
    while (this.pos < this.s.length && this.s[this.pos] !== '"') {
      const c = this.s[this.pos++];
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.s[this.pos++];
      if (e === 'n') out += '\n';
      else if (e === 'r') out += '\r';
      else if (e === 't') out += '\t';
      else if (e === '0') out += '\0';
      else if (e === 'u') {
        const end = this.s.indexOf('}', this.pos);
        out += String.fromCodePoint(parseInt(this.s.slice(this.pos + 1, end), 16));
        this.pos = end + 1;
      } else out += e;
    }
    this.pos++;
    return out;
  }

  list(close: string): DebugValue[] {
    const items: DebugValue[] = [];
    while (this.peek() !== close) {
      items.push(this.value());
      if (this.peek() === ',') this.pos++;
    }
    this.pos++;
    return items;
  }

  value(): DebugValue {
    const c = this.peek();
    if (c === '"') return this.string();
    if (c === '[') {
      this.pos++;
      return this.list(']');
    }
    if (c === '(') {
      this.pos++;
      return { __type: '', __items: this.list(')') };
    }
    if (c === '{') {
      // A map: {"key": value, ...}
      this.pos++;
      const map: { [key: string]: DebugValue } = {};
      while (this.peek() !== '}') {
        const key = this.value();
        this.expect(':');
        map[String(key)] = this.value();
        if (this.peek() === ',') this.pos++;
      }
      this.pos++;
      return map;
    }
    const num = /^-?\d+(\.\d+)?(e-?\d+)?/.exec(this.s.slice(this.pos, this.pos + 40));
    if (num) {
      this.pos += num[0].length;
      return Number(num[0]);
    }
    const name = this.ident();
    if (name === 'None') return null;
    if (name === 'true' || name === 'false') return name === 'true';
    const next = this.peek();
    if (next === '(') {
      this.pos++;
      const items = this.list(')');
      if (name === 'Some' && items.length === 1) return items[0];
      return { __type: name, __items: items };
    }
    if (next === '{') {
      this.pos++;
      const out: { [key: string]: DebugValue } = { __type: name };
      while (this.peek() !== '}') {
        const key = this.ident();
        this.expect(':');
        out[key] = this.value();
        if (this.peek() === ',') this.pos++;
      }
      this.pos++;
      return out;
    }
    return name;
  }
}

/** Parses the Debug value at the start of `line`; what follows it (" is_http: true") is ignored. */
export function parseRustDebug(line: string): DebugValue {
  return new Reader(line).value();
}

/** Parses the JSON object at the start of `line`. */
export function parseLeadingJson(line: string): Record<string, unknown> {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return JSON.parse(line.slice(0, i + 1));
  }
  throw new Error(`no JSON object in: ${line.slice(0, 60)}`);
}
