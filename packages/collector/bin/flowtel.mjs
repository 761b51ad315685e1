#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=4 --heap-growing-percent=75
// `npx flowtel` runs this file as a program, and scripts/build.mjs gives the bundle that
// `npm start` runs this same first line: both start node with these settings. Run it as a
// program (or as the bundle), not as `node bin/flowtel.mjs`, or the settings do not apply.
//
// V8: batched items outlive a scavenge or two and reach the old generation, whose every full GC
// marks the whole live heap (~20 MB, mostly code) to free them: V8 lets the old generation grow
// 2-4x past the live data first (RSS), 50% growth made the capture pipeline run a full GC per
// batch timeout, and 75% is where both benchmarks meet their targets. The young generation
// stays small, but not below the working set of one capture batch (a 1 MiB semi-space promoted
// most of it: bench/l7-e2e.ts spent 40% of its main thread in GC). No cap: memory_limiter
// bounds the live data. Measured with bench/otlp-grpc-10k.ts (peak RSS, CPU): 91 MiB with
// 1 MiB and 20%, 96-97 MiB and 9% with 4 MiB and 75%, 100-102 MiB with 100%, 130 MiB with V8's
// defaults; bench/l7-e2e.ts with 4 MiB: full GCs every ~200 ms with 50% growth, and runs
// alternated with the same code took 4-5 points of a core less with 75% or 100%.
// glibc: each thread that allocates (libuv's pool compressing, V8's GC helpers) gets an arena
// of its own, and freed memory stays in it: two arenas hold ~10 MB less at peak.
//
// The sources are TypeScript run through tsx, so there is no build step between an edit and a run.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv);
