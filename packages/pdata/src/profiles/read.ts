// Reading profiles: what a sample's indices name in the request's dictionary.
import type { Profile, Profiles, ProfilesDictionary, ProfileSample } from '../model.ts';

/** otelcol counts profile items as samples (otelcol_*_profile_samples). */
export function profileSampleCount(profiles: Profiles): number {
  let n = 0;
  for (const rp of profiles.resourceProfiles)
    for (const sp of rp.scopeProfiles) for (const p of sp.profiles) n += p.samples.length;
  return n;
}

/** A string of the dictionary; an index out of the table reads as "". */
export const dictString = (d: ProfilesDictionary, i: number): string => d.stringTable[i] ?? '';

/** "type/unit" of a profile's sample type, e.g. "samples/count", "cpu/nanoseconds". */
export function sampleTypeName(d: ProfilesDictionary, p: Profile): string {
  return `${dictString(d, p.sampleType.typeStrindex)}/${dictString(d, p.sampleType.unitStrindex)}`;
}

/**
 * The frames of a stack as names, the leaf first: one per line of each location (inlined
 * functions first); a location without lines is named by its mapping's file and the address's
 * offset in that file ("libc.so.6+0x2a1f0"), or the bare address when it has no mapping.
 */
export function stackFrames(d: ProfilesDictionary, stackIndex: number): string[] {
  const frames: string[] = [];
  for (const li of d.stackTable[stackIndex]?.locationIndices ?? []) {
    const loc = d.locationTable[li];
    if (loc === undefined) {
      frames.push(`<location ${li}>`);
      continue;
    }
    let named = false;
    for (const line of loc.lines) {
      const f = d.functionTable[line.functionIndex];
      const name = f ? dictString(d, f.nameStrindex) || dictString(d, f.systemNameStrindex) : '';
      if (name === '') continue;
      frames.push(name);
      named = true;
    }
    if (named) continue;
    const m = loc.mappingIndex !== 0 ? d.mappingTable[loc.mappingIndex] : undefined;
    if (m === undefined) frames.push(`0x${loc.address.toString(16)}`);
    else {
      const file = dictString(d, m.filenameStrindex).split('/').pop() || '?';
      frames.push(`${file}+0x${(loc.address - m.memoryStart + m.fileOffset).toString(16)}`);
    }
  }
  return frames;
}

/** A sample's weight in a flame graph: the sum of its values (several when aggregated); without values, its count of observations. */
export function sampleWeight(s: ProfileSample): bigint {
  return s.values.length > 0 ? s.values.reduce((a, b) => a + b, 0n) : BigInt(Math.max(1, s.timestampsUnixNano.length));
}
