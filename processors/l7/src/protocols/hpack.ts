// HPACK (RFC 7541) decoding for a passive observer: integers, Huffman strings, the static and
// dynamic tables. An observer that joined the connection late does not know the dynamic table
// the peers built before; references into that unknown part decode as empty fields rather than
// failing the whole header block, and indices stay aligned because every insertion is kept.

import { HUFFMAN_CODES, STATIC_TABLE } from './hpack-tables.ts';

export class HpackError extends Error {}

/** Upper bound on a dynamic table an observer accepts, whatever size updates the peers send. */
const MAX_DYNAMIC_TABLE_BYTES = 1024 * 1024;
const MAX_STRING_BYTES = 256 * 1024;
const ENTRY_OVERHEAD = 32;
const EOS = 256;

/** Huffman decoding trie: node i's children are at child[2i] (bit 0) and child[2i + 1] (bit 1); a leaf holds symbol + 1 as a negative. */
const trie = buildTrie();

function buildTrie(): Int32Array {
  const child = new Int32Array(2 * 1024).fill(0);
  let nodes = 1;
  HUFFMAN_CODES.forEach(([code, length], symbol) => {
    let node = 0;
    for (let bit = length - 1; bit >= 0; bit--) {
      const slot = 2 * node + ((code >>> bit) & 1);
      if (bit === 0) {
        child[slot] = -(symbol + 1);
      } else {
        if (child[slot] === 0) child[slot] = nodes++;
        node = child[slot];
      }
    }
  });
  return child;
}

const latin1 = new TextDecoder('latin1');

/** `prefix`: the string's first bytes only (a capture cut it): the symbols they hold whole. */
export function huffmanDecode(bytes: Uint8Array, prefix = false): string {
  const out = new Uint8Array(Math.ceil((bytes.length * 8) / 5));
  let n = 0;
  let node = 0;
  let bitsSinceSymbol = 0;
  let allOnes = true;
  for (const byte of bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      const b = (byte >> bit) & 1;
      const next = trie[2 * node + b];
      bitsSinceSymbol++;
      allOnes &&= b === 1;
      if (next < 0) {
        const symbol = -next - 1;
        if (symbol === EOS) throw new HpackError('EOS inside a Huffman string');
        out[n++] = symbol;
        node = 0;
        bitsSinceSymbol = 0;
        allOnes = true;
      } else if (next === 0) {
        throw new HpackError('invalid Huffman code');
      } else {
        node = next;
      }
    }
  }
  if (!prefix && (bitsSinceSymbol > 7 || !allOnes)) throw new HpackError('invalid Huffman padding');
  return latin1.decode(out.subarray(0, n));
}

class Cursor {
  constructor(
    readonly b: Uint8Array,
    public pos = 0,
  ) {}

  integer(prefixBits: number): number {
    if (this.pos >= this.b.length) throw new HpackError('truncated integer');
    const max = (1 << prefixBits) - 1;
    let value = this.b[this.pos++] & max;
    if (value < max) return value;
    for (let shift = 0; ; shift += 7) {
      if (this.pos >= this.b.length) throw new HpackError('truncated integer');
      if (shift > 28) throw new HpackError('integer overflow');
      const byte = this.b[this.pos++];
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
  }

  /** `cut`: a string that runs past the bytes held gives its first characters instead of failing. */
  string(cut = false): string {
    if (this.pos >= this.b.length) throw new HpackError('truncated string');
    const huffman = (this.b[this.pos] & 0x80) !== 0;
    const length = this.integer(7);
    if (length > MAX_STRING_BYTES) throw new HpackError(`string of ${length} bytes`);
    const end = this.pos + length;
    if (end > this.b.length && (!cut || this.pos >= this.b.length)) throw new HpackError('truncated string');
    const raw = this.b.subarray(this.pos, Math.min(end, this.b.length));
    this.pos = end;
    const held = end <= this.b.length;
    return huffman ? huffmanDecode(raw, !held) : latin1.decode(raw);
  }
}

export type HeaderField = [name: string, value: string];

export class HpackDecoder {
  /** Newest first, as HPACK indexes it. */
  private dynamic: HeaderField[] = [];
  private dynamicBytes = 0;
  private maxBytes = 4096;
  /** Indices that pointed past what this observer knows of the dynamic table. */
  unknownReferences = 0;
  /**
   * The capture lost header bytes: insertions were missed, so only the entries inserted since
   * can be found by their index. False again once those fill the table (nothing older can be
   * left in it) or the encoder empties it (a size update to 0).
   */
  partial = false;

  /** Header bytes of this direction were lost: forget the table, as an observer that joined late. */
  lostSync(): void {
    this.dynamic = [];
    this.dynamicBytes = 0;
    this.partial = true;
  }

  private lookup(index: number): HeaderField {
    if (index === 0) throw new HpackError('index 0');
    if (index <= STATIC_TABLE.length) return STATIC_TABLE[index - 1] as HeaderField;
    const entry = this.dynamic[index - STATIC_TABLE.length - 1];
    if (entry) return entry;
    this.unknownReferences++;
    return ['', ''];
  }

  private insert(field: HeaderField): void {
    const size = field[0].length + field[1].length + ENTRY_OVERHEAD;
    this.dynamic.unshift(field);
    this.dynamicBytes += size;
    // no entry (32 bytes or more) from before the loss fits beside the ones known
    if (this.partial && this.dynamicBytes + ENTRY_OVERHEAD > this.maxBytes) this.partial = false;
    this.evict();
  }

  private evict(): void {
    while (this.dynamicBytes > this.maxBytes && this.dynamic.length > 0) {
      const gone = this.dynamic.pop()!;
      this.dynamicBytes -= gone[0].length + gone[1].length + ENTRY_OVERHEAD;
    }
  }

  /**
   * Decodes one complete header block; throws HpackError on malformed input. `head`: the block's
   * first bytes only (the capture cut it): the fields before the cut.
   */
  decode(block: Uint8Array, head = false): HeaderField[] {
    const c = new Cursor(block);
    const fields: HeaderField[] = [];
    try {
      this.decodeInto(c, fields, head);
    } catch (err) {
      if (!head || !(err instanceof HpackError)) throw err;
    }
    return fields;
  }

  /** `head`: a `:path` cut by the capture gives the part of the target seen, as HTTP/1's does. */
  private decodeInto(c: Cursor, fields: HeaderField[], head: boolean): void {
    const block = c.b;
    while (c.pos < block.length) {
      const first = block[c.pos];
      if (first & 0x80) {
        fields.push(this.lookup(c.integer(7)));
      } else if (first & 0x40) {
        const index = c.integer(6);
        const name = index === 0 ? c.string() : this.lookup(index)[0];
        const field: HeaderField = [name, c.string(head && name === ':path')];
        // a value the capture cut is not what the encoder inserted (and the block ends there)
        if (c.pos <= block.length) this.insert(field);
        fields.push(field);
      } else if (first & 0x20) {
        const size = c.integer(5);
        if (size > MAX_DYNAMIC_TABLE_BYTES) throw new HpackError(`dynamic table size ${size}`);
        this.maxBytes = size;
        if (size === 0) this.partial = false;
        this.evict();
      } else {
        const index = c.integer(4);
        const name = index === 0 ? c.string() : this.lookup(index)[0];
        fields.push([name, c.string(head && name === ':path')]);
      }
    }
  }
}
