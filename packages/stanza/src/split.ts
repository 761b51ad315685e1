// How a byte stream becomes log tokens, as stanza's split and trim packages cut it: lines in the
// configured encoding, or multiline records by a start or end pattern; a token longer than
// max_log_size is cut; leading and trailing whitespace trimmed unless preserved. Shared by
// the file and socket log receivers.
import { compileRegexp, type Regexp } from '@flowtel/regexp';

/** the receiver keys the splitter reads (contrib's split.Config, trim.Config, encoding, max_log_size) */
export interface SplitOptions {
  encoding: string;
  multiline?: { line_start_pattern?: string; line_end_pattern?: string; omit_pattern: boolean };
  max_log_size: number;
  preserve_leading_whitespaces: boolean;
  preserve_trailing_whitespaces: boolean;
}

/** contrib's trim set: \r \n \t and space */
const isSpace = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;

/** How a file's bytes become tokens; one per receiver. */
export class Splitter {
  private readonly newline: Buffer;
  private readonly unit: number;
  private readonly start?: Regexp;
  private readonly end?: Regexp;
  private readonly omit: boolean;
  private readonly decoder?: TextDecoder;
  readonly maxLogSize: number;
  private readonly trimLeading: boolean;
  private readonly trimTrailing: boolean;
  constructor(c: SplitOptions) {
    const enc = c.encoding.toLowerCase();
    this.decoder = enc === 'nop' ? undefined : new TextDecoder(enc === 'ascii' ? 'utf-8' : enc);
    const utf16 = this.decoder?.encoding.startsWith('utf-16') ?? false;
    this.unit = utf16 ? 2 : 1;
    this.newline = utf16 ? Buffer.from(this.decoder!.encoding === 'utf-16be' ? [0, 10] : [10, 0]) : Buffer.from([10]);
    // as contrib, the patterns are multi-line: ^ and $ match at every line
    this.start = c.multiline?.line_start_pattern ? compileRegexp(`(?m)${c.multiline.line_start_pattern}`) : undefined;
    this.end = c.multiline?.line_end_pattern ? compileRegexp(`(?m)${c.multiline.line_end_pattern}`) : undefined;
    this.omit = c.multiline?.omit_pattern ?? false;
    this.maxLogSize = c.max_log_size;
    this.trimLeading = !c.preserve_leading_whitespaces;
    this.trimTrailing = !c.preserve_trailing_whitespaces;
  }

  get multiline(): boolean {
    return this.start !== undefined || this.end !== undefined;
  }

  /** text (or bytes with nop) of a token's bytes, trimmed as contrib's trim.Func */
  decode(b: Buffer): string | Uint8Array {
    if (!this.decoder) return Uint8Array.from(b);
    const s = this.decodeText(b);
    let start = 0;
    let end = s.length;
    if (this.trimLeading) while (start < end && isSpace(s.charCodeAt(start))) start++;
    if (this.trimTrailing) while (end > start && isSpace(s.charCodeAt(end - 1))) end--;
    return start === 0 && end === s.length ? s : s.slice(start, end);
  }

  private decodeText(b: Buffer): string {
    return this.unit === 1 && this.decoder!.encoding === 'utf-8' ? b.toString('utf8') : this.decoder!.decode(b);
  }

  /**
   * The tokens in `buf` as start, end, next byte positions, three numbers per token (its bytes,
   * then where the next one begins); `flush` takes the unterminated rest as a last token.
   */
  split(buf: Buffer, flush: boolean): number[] {
    if (this.multiline) return this.splitMultiline(buf, flush);
    const out: number[] = [];
    let pos = 0;
    const nl = this.newline;
    while (pos < buf.length) {
      let i = nl.length === 1 ? buf.indexOf(nl[0], pos) : buf.indexOf(nl, pos);
      while (i >= 0 && this.unit === 2 && (i - pos) % 2 !== 0) i = buf.indexOf(nl, i + 1);
      if (i < 0 || i - pos > this.maxLogSize) {
        if (buf.length - pos >= this.maxLogSize) {
          out.push(pos, pos + this.maxLogSize, pos + this.maxLogSize);
          pos += this.maxLogSize;
          continue;
        }
        if (flush) out.push(pos, buf.length, buf.length);
        break;
      }
      out.push(pos, i, i + nl.length);
      pos = i + nl.length;
    }
    return out;
  }

  private splitMultiline(buf: Buffer, flush: boolean): number[] {
    // decoded once; positions in the text map back to bytes through their encoded length
    const text = this.decodeText(buf);
    const bytes = (i: number) => (this.unit === 1 ? Buffer.byteLength(text.slice(0, i)) : i * 2);
    const tokens: number[] = [];
    const matches = (this.start ?? this.end)!.all(text).filter((m) => m.end > 0 || this.start);
    let pos = 0;
    if (this.start) {
      // a record runs from one start to the next; text before the first start is a record of its own
      for (let k = 0; k < matches.length; k++) {
        const m = matches[k];
        if (m.index > pos) tokens.push(pos, m.index, m.index);
        const next = matches[k + 1];
        if (!next) break;
        tokens.push(this.omit ? m.end : m.index, next.index, next.index);
        pos = next.index;
      }
      const last = matches[matches.length - 1];
      if (flush && pos < text.length)
        tokens.push(last && last.index === pos && this.omit ? last.end : pos, text.length, text.length);
    } else {
      for (const m of matches) {
        tokens.push(pos, this.omit ? m.index : m.end, m.end);
        pos = m.end;
      }
      if (flush && pos < text.length) tokens.push(pos, text.length, text.length);
    }
    const out: number[] = [];
    let consumed = 0;
    for (let i = 0; i < tokens.length; i += 3) {
      const [a, b, c] = [bytes(tokens[i]), bytes(tokens[i + 1]), bytes(tokens[i + 2])];
      // a record longer than max_log_size is cut
      for (let at = a; at < b; at += this.maxLogSize)
        out.push(at, Math.min(b, at + this.maxLogSize), Math.min(b, at + this.maxLogSize));
      out[out.length - 1] = c;
      consumed = c;
    }
    // no record end in max_log_size bytes: the first max_log_size bytes are one
    if (buf.length - consumed >= this.maxLogSize && !flush)
      out.push(consumed, consumed + this.maxLogSize, consumed + this.maxLogSize);
    return out;
  }
}
