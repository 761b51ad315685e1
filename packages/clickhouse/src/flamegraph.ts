// `flowtel query --flamegraph [filter]`: the samples of the profiles table that the filter (a SQL
// condition on its columns) selects, summed per stack, written as Brendan Gregg's folded stacks
// (`root;caller;leaf weight`), as a self-contained SVG flame graph, or as a gzipped pprof
// profile (the pprof-format package) that `go tool pprof` and every pprof viewer read.
import { gzipSync } from 'node:zlib';
import { Function as PFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { quoteIdent } from './client.ts';
import type { StoreConfig } from './config.ts';
import type { FlamegraphFormat, ResultSet } from './format.ts';
import { tableName } from './schema.ts';

export type { FlamegraphFormat };

/** The summed stacks of one sample type: frames root first. */
export interface Stacks {
  type: string;
  unit: string;
  stacks: Array<{ frames: string[]; weight: bigint }>;
}

export function flamegraphSql(cfg: StoreConfig, filter: string | undefined): string {
  const table = `${quoteIdent(cfg.database)}.${quoteIdent(tableName(cfg, 'profiles'))}`;
  return `SELECT SampleType, SampleUnit, arrayReverse(Stack) AS frames, toString(sum(Value)) AS weight
FROM ${table}${filter ? `\nWHERE (${filter})` : ''}
GROUP BY SampleType, SampleUnit, frames
ORDER BY SampleType, SampleUnit, frames`;
}

/**
 * The stacks of the result; samples of different types (CPU samples and off-CPU nanoseconds)
 * do not add up, so more than one type is refused with the filter that picks one.
 */
export function stacksOf(result: ResultSet): Stacks {
  const types = [...new Set(result.rows.map((r) => `${String(r[0])}/${String(r[1])}`))];
  if (types.length === 0) throw new Error('no profile samples match');
  if (types.length > 1)
    throw new Error(
      `the samples matched are of ${types.length} types (${types.join(', ')}): add SampleType = '<type>' to the filter`,
    );
  const [type, unit] = [String(result.rows[0][0]), String(result.rows[0][1])];
  return {
    type,
    unit,
    stacks: result.rows.map((r) => ({ frames: r[2] as string[], weight: BigInt(r[3] as string) })),
  };
}

/** One line per stack: frames root first joined by `;`, a space, the summed weight. */
export function foldedText(s: Stacks): string {
  return s.stacks.map((x) => `${x.frames.join(';')} ${x.weight}\n`).join('');
}

interface Node {
  name: string;
  weight: bigint;
  children: Map<string, Node>;
}

function tree(s: Stacks): Node {
  const root: Node = { name: 'all', weight: 0n, children: new Map() };
  for (const { frames, weight } of s.stacks) {
    root.weight += weight;
    let node = root;
    for (const name of frames) {
      let child = node.children.get(name);
      if (!child) node.children.set(name, (child = { name, weight: 0n, children: new Map() }));
      child.weight += weight;
      node = child;
    }
  }
  return root;
}

const escapeXml = (s: string) =>
  s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

const WIDTH = 1200;
const ROW = 17;

/**
 * A flame graph as one SVG file that any browser opens: the root at the bottom, each frame as
 * wide as its share of the total, children left to right by name, the frame's name, weight and
 * share in its tooltip. Warm colours from the name's hash, as flamegraph.pl's default palette.
 */
export function flameSvg(s: Stacks, title: string): string {
  const root = tree(s);
  let depth = 0;
  const rects: string[] = [];
  const total = root.weight > 0n ? root.weight : 1n;
  const draw = (node: Node, x: number, level: number) => {
    depth = Math.max(depth, level);
    const width = (Number(node.weight) / Number(total)) * WIDTH;
    const share = ((Number(node.weight) * 100) / Number(total)).toFixed(2);
    rects.push(
      `<g><title>${escapeXml(node.name)} (${node.weight} ${escapeXml(s.unit)}, ${share}%)</title>` +
        `<rect x="${x.toFixed(2)}" y="LEVEL${level}" width="${width.toFixed(2)}" height="${ROW - 1}" fill="${colour(node.name)}" rx="2"/>` +
        (width > 30
          ? `<text x="${(x + 3).toFixed(2)}" y="TEXT${level}" font-size="12" font-family="Verdana" clip-path="inset(0)">${escapeXml(fit(node.name, width))}</text>`
          : '') +
        '</g>',
    );
    let cx = x;
    for (const child of [...node.children.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      draw(child, cx, level + 1);
      cx += (Number(child.weight) / Number(total)) * WIDTH;
    }
  };
  draw(root, 0, 0);
  const height = (depth + 1) * ROW + 40;
  // levels count up from the bottom
  const body = rects
    .join('\n')
    .replace(/y="LEVEL(\d+)"/g, (_, l) => `y="${height - 10 - (Number(l) + 1) * ROW}"`)
    .replace(/y="TEXT(\d+)"/g, (_, l) => `y="${height - 10 - Number(l) * ROW - 5}"`);
  return `<?xml version="1.0" standalone="no"?>
<svg version="1.1" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" xmlns="http://www.w3.org/2000/svg">
<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#f8f8f8"/>
<text x="${WIDTH / 2}" y="20" font-size="16" font-family="Verdana" text-anchor="middle">${escapeXml(title)}</text>
${body}
</svg>
`;
}

/** The name cut to what fits in `width` pixels (about 7 per character at 12px Verdana). */
function fit(name: string, width: number): string {
  const chars = Math.floor((width - 6) / 7);
  return name.length <= chars ? name : `${name.slice(0, Math.max(0, chars - 2))}..`;
}

function colour(name: string): string {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return `rgb(${205 + (h % 50)},${(h >>> 8) % 230},${(h >>> 16) % 55})`;
}

/** A gzipped pprof profile of the stacks: one function and location per frame name, one sample per stack. */
export function pprofBytes(s: Stacks): Uint8Array {
  const strings = new StringTable();
  const functions = new Map<string, PFunction>();
  const locations = new Map<string, Location>();
  const locationOf = (name: string): Location => {
    let loc = locations.get(name);
    if (loc) return loc;
    const fn = new PFunction({ id: functions.size + 1, name: strings.dedup(name), systemName: strings.dedup(name) });
    functions.set(name, fn);
    loc = new Location({ id: locations.size + 1, line: [new Line({ functionId: fn.id })] });
    locations.set(name, loc);
    return loc;
  };
  const sampleType = new ValueType({ type: strings.dedup(s.type), unit: strings.dedup(s.unit) });
  const samples = s.stacks.map(
    (x) =>
      new Sample({
        // pprof lists a sample's locations leaf first
        locationId: [...x.frames].reverse().map((f) => locationOf(f).id),
        value: [x.weight],
      }),
  );
  const profile = new Profile({
    sampleType: [sampleType],
    sample: samples,
    location: [...locations.values()],
    function: [...functions.values()],
    stringTable: strings,
  });
  return gzipSync(profile.encode());
}
