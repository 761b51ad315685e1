// The filelog receiver: contrib's fileconsumer poll loop. Each poll matches the include globs,
// identifies every file by its fingerprint, continues the files it knows at their offsets (a
// renamed file is the same file; a truncated or recreated one is new), reads files that left
// the match since the last poll to their end through the descriptor still open (rotation by
// rename, deletion), then reads every matched file to its end. Entries go through the stanza
// operators and into the pipeline; an offset moves only once the pipeline took the entries
// before it, so a refusal stops reading where it stood and a restart with `storage` resumes
// there: nothing lost, nothing repeated.
import { closeSync, readFileSync, realpathSync, statSync, unlinkSync } from 'node:fs';
import { basename } from 'node:path';
import {
  type CreateSettings,
  type Host,
  type Receiver,
  type StorageClient,
  storageClient,
  type Consumers,
} from '@flowtel/core';
import { compileRegexp } from '@flowtel/regexp';
import {
  type Entry,
  GoTimeLayout,
  loadZone,
  newEntry,
  Pipeline,
  strptimeToGo,
  Attributer,
  LogDelivery,
  pauseUnless,
  Splitter,
} from '@flowtel/stanza';
import type { Config } from './config.ts';
import { globFiles, globMatch } from './glob.ts';
import { type FileMeta, openFile, Reader, readFingerprint } from './reader.ts';

const STATE_KEY = 'knownFiles';
/** how many polls a file that left the match is remembered (contrib's polls_to_archive default of 3 generations) */
const GENERATIONS = 3;
/** records per pipeline batch */
const EMIT_BATCH = 1000;

interface Candidate {
  path: string;
  fd: number;
  fp: Buffer;
}

const startsWith = (fp: Buffer, prefix: Buffer) =>
  prefix.length > 0 && fp.length >= prefix.length && fp.subarray(0, prefix.length).equals(prefix);

function idNames(file: string): Map<number, string> {
  const m = new Map<number, string>();
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length > 2) m.set(Number(f[2]), f[0]);
    }
  } catch {
    // no such database: ids stay unnamed
  }
  return m;
}

export class FileLogReceiver implements Receiver {
  private readonly settings: CreateSettings;
  private readonly config: Config;
  private readonly splitter: Splitter;
  private pipeline!: Pipeline;
  private out: Entry[] = [];
  private previous: Reader[] = [];
  private known: FileMeta[][] = [];
  private firstPoll = true;
  private loop?: Promise<void>;
  /** aborted at shutdown: ends the poll wait and tells the loops to stop */
  private readonly stopped = new AbortController();
  private get stopping(): boolean {
    return this.stopped.signal.aborted;
  }
  private client?: StorageClient;
  private readonly buf: Buffer;
  private readonly attributer: Attributer;
  private readonly delivery: LogDelivery;
  private users?: Map<number, string>;
  private groups?: Map<number, string>;
  private readonly openFiles;
  private readonly readingFiles;
  private dirty = false;

  constructor(settings: CreateSettings, config: Config, consumers: Consumers) {
    this.settings = settings;
    this.config = config;
    this.splitter = new Splitter(config);
    // one read buffer for every file (they are read one at a time): room for a whole max_log_size token
    this.buf = Buffer.allocUnsafe(Math.max(256 * 1024, config.max_log_size + 4));
    this.attributer = new Attributer(config.attributes, config.resource);
    this.delivery = new LogDelivery(
      consumers.logs,
      config.retry_on_failure,
      settings.logger,
      'log records read from files',
    );
    this.openFiles = settings.meter.createUpDownCounter('otelcol_fileconsumer_open_files', {
      description: 'Number of open files',
      unit: '1',
    });
    this.readingFiles = settings.meter.createUpDownCounter('otelcol_fileconsumer_reading_files', {
      description: 'Number of open files that are being read',
      unit: '1',
    });
  }

  async start(host: Host): Promise<void> {
    this.pipeline = new Pipeline(this.config.operators, { logger: this.settings.logger }, (e) => this.out.push(e));
    if (this.config.storage) {
      this.client = await storageClient(host, this.config.storage, 'receiver', this.settings.id);
      const saved = await this.client.get(STATE_KEY);
      if (saved) this.known = [this.decodeState(saved)];
    }
    this.loop = this.run();
  }

  async shutdown(): Promise<void> {
    if (this.stopping) return this.loop;
    this.stopped.abort();
    this.delivery.stop();
    await this.loop;
    if (this.pipeline) {
      this.pipeline.flush(true);
      await this.emit();
    }
    await this.saveState();
    for (const r of this.previous) this.closeReader(r);
    this.previous = [];
    await this.client?.close();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.poll();
      } catch (err) {
        this.settings.logger.error({ error: (err as Error).message }, 'filelog poll failed');
      }
      if (this.stopping) break;
      await pauseUnless(this.config.poll_interval, this.stopped.signal);
    }
  }

  /** include minus exclude, exclude_older_than, ordering_criteria */
  private matches(): string[] {
    const c = this.config;
    const found = new Set<string>();
    for (const pattern of c.include) for (const p of globFiles(pattern)) found.add(p);
    let paths = [...found].filter((p) => !c.exclude.some((x) => globMatch(x, p)));
    if (c.exclude_older_than !== undefined) {
      const cutoff = Date.now() - c.exclude_older_than;
      paths = paths.filter((p) => {
        try {
          return statSync(p).mtimeMs >= cutoff;
        } catch {
          return false;
        }
      });
    }
    if (c.ordering_criteria && c.ordering_criteria.sort_by.length) paths = this.order(paths);
    return paths;
  }

  private order(paths: string[]): string[] {
    const oc = this.config.ordering_criteria!;
    const re = oc.regex ? compileRegexp(oc.regex) : undefined;
    const group = oc.group_by ? compileRegexp(oc.group_by) : undefined;
    const capture = (r: typeof re, p: string, name: string): string | undefined => {
      const idx = r?.execIndex(p);
      const g = r?.groupNames.indexOf(name) ?? -1;
      return idx && g >= 0 && idx[2 * g] >= 0 ? p.slice(idx[2 * g], idx[2 * g + 1]) : undefined;
    };
    type Item = { path: string; keys: Map<string, string>; group: string };
    let items: Item[] = [];
    for (const path of paths) {
      const keys = new Map<string, string>();
      if (re) {
        const idx = re.execIndex(path);
        if (!idx) continue;
        re.groupNames.forEach((n, g) => n && idx[2 * g] >= 0 && keys.set(n, path.slice(idx[2 * g], idx[2 * g + 1])));
      }
      let g = '';
      if (group) {
        const idx = group.execIndex(path);
        g = idx ? path.slice(idx[0], idx[1]) : '';
        const named = group.groupNames.find((n) => n);
        if (named) g = capture(group, path, named) ?? g;
      }
      items.push({ path, keys, group: g });
    }
    for (const rule of oc.sort_by) {
      const keyOf = (it: Item): number | string => {
        if (rule.sort_type === 'mtime') {
          try {
            return statSync(it.path).mtimeMs;
          } catch {
            return 0;
          }
        }
        const v = it.keys.get(rule.regex_key!) ?? '';
        if (rule.sort_type === 'numeric') return Number(v);
        if (rule.sort_type === 'timestamp') {
          const layout = new GoTimeLayout(strptimeToGo(rule.layout ?? rule.format!), loadZone(rule.location));
          try {
            return Number(layout.parse(v) / 1_000_000n);
          } catch {
            return 0;
          }
        }
        return v;
      };
      const sign = rule.ascending ? 1 : -1;
      items = items
        .map((it) => ({ it, k: keyOf(it) }))
        .sort((a, b) => (a.k < b.k ? -sign : a.k > b.k ? sign : 0))
        .map((x) => x.it);
    }
    const perGroup = new Map<string, number>();
    return items
      .filter((it) => {
        const n = perGroup.get(it.group) ?? 0;
        perGroup.set(it.group, n + 1);
        return n < oc.top_n;
      })
      .map((it) => it.path);
  }

  private async poll(): Promise<void> {
    // a generation of remembered files per poll; the oldest is forgotten
    this.known.unshift([]);
    this.known.length = Math.min(this.known.length, GENERATIONS);
    const paths = this.matches();
    const batchSize = Math.max(1, Math.floor(this.config.max_concurrent_files / 2));
    let batches = 0;
    for (let i = 0; i < paths.length || (i === 0 && paths.length === 0); i += batchSize) {
      if (this.stopping) return;
      await this.consumeBatch(paths.slice(i, i + batchSize));
      if (this.config.max_batches > 0 && ++batches >= this.config.max_batches) break;
    }
    this.firstPoll = false;
    // held entries (recombine, partial container lines) whose flush period passed
    this.pipeline.flush(false);
    await this.emit();
    if (this.dirty) await this.saveState();
  }

  private async consumeBatch(paths: string[]): Promise<void> {
    const fpSize = this.config.fingerprint_size;
    const candidates: Candidate[] = [];
    for (const path of paths) {
      const fd = openFile(path);
      if (fd === undefined) continue;
      const fp = readFingerprint(fd, fpSize);
      // an empty file has no identity yet; a second path to the same bytes is read once
      if (fp.length === 0 || candidates.some((c) => c.fp.equals(fp))) {
        closeSync(fd);
        continue;
      }
      this.openFiles.add(1);
      candidates.push({ path, fd, fp });
    }
    // files of the last poll that left the match (renamed away, deleted): their rest, through the open descriptor
    const lost = this.previous.filter((r) => !candidates.some((c) => startsWith(c.fp, r.fingerprint)));
    for (const r of lost) {
      if (this.stopping) return this.abandon(candidates);
      await this.readToEnd(r);
      this.closeReader(r);
    }
    const previous = this.previous.filter((r) => !lost.includes(r));
    const current: Reader[] = [];
    for (const c of candidates) {
      let r: Reader | undefined;
      const pi = previous.findIndex((p) => startsWith(c.fp, p.fingerprint));
      if (pi >= 0) {
        r = previous.splice(pi, 1)[0];
        // the same file, maybe under a new name: continue with the descriptor of this poll
        this.closeFd(r.fd);
        r.fd = c.fd;
        r.fingerprint = c.fp;
        if (r.path !== c.path) {
          r.path = c.path;
          r.attributes = this.fileAttributes(c.path);
        }
      } else {
        const meta = this.takeKnown(c.fp);
        const gzip =
          this.config.compression === 'gzip' || (this.config.compression === 'auto' && c.path.endsWith('.gz'));
        const size = statSync(c.path, { throwIfNoEntry: false })?.size ?? 0;
        const offset = meta ? meta.offset : this.firstPoll && this.config.start_at === 'end' && !gzip ? size : 0;
        r = new Reader(c.path, c.fd, c.fp, offset, gzip, this.fileAttributes(c.path));
        if (meta) r.recordNumber = meta.recordNumber;
        this.dirty = true;
      }
      if (!r.gzip && r.offset > r.size()) {
        // the file shrank under the same identity: read it again from the start
        this.settings.logger.info({ path: r.path }, 'file was truncated, reading it from the beginning');
        r.offset = 0;
        r.recordNumber = 0;
      }
      current.push(r);
    }
    // readers of the last poll that matched nothing now and were not lost cannot exist; keep their metadata
    for (const r of previous) this.closeReader(r);
    const done: Reader[] = [];
    for (const r of current) {
      if (this.stopping) break;
      const eof = await this.readToEnd(r);
      if (eof && this.config.delete_after_read) {
        try {
          unlinkSync(r.path);
        } catch (err) {
          this.settings.logger.error(
            { path: r.path, error: (err as Error).message },
            'could not delete file after read',
          );
        }
        this.closeReader(r, false);
        done.push(r);
      }
    }
    this.previous = current.filter((r) => !done.includes(r));
  }

  private abandon(candidates: Candidate[]): void {
    for (const c of candidates) this.closeFd(c.fd);
  }

  private takeKnown(fp: Buffer): FileMeta | undefined {
    for (const gen of this.known) {
      const i = gen.findIndex((m) => startsWith(fp, m.fingerprint));
      if (i >= 0) return gen.splice(i, 1)[0];
    }
    return undefined;
  }

  private closeFd(fd: number | undefined): void {
    if (fd === undefined) return;
    closeSync(fd);
    this.openFiles.add(-1);
  }

  /** closes a reader and remembers where it stood, for a file that comes back under another name */
  private closeReader(r: Reader, remember = true): void {
    if (r.fd !== undefined) this.openFiles.add(-1);
    r.close();
    if (remember) {
      if (this.known.length === 0) this.known.push([]);
      this.known[0].push({ fingerprint: r.fingerprint, offset: r.offset, recordNumber: r.recordNumber, path: r.path });
    }
    this.dirty = true;
  }

  private fileAttributes(path: string): Record<string, string> {
    const c = this.config;
    const a: Record<string, string> = {};
    if (c.include_file_name) a['log.file.name'] = basename(path);
    if (c.include_file_path) a['log.file.path'] = path;
    if (c.include_file_name_resolved || c.include_file_path_resolved) {
      let resolved = path;
      try {
        resolved = realpathSync(path);
      } catch {
        // gone meanwhile: the path as matched
      }
      if (c.include_file_name_resolved) a['log.file.name_resolved'] = basename(resolved);
      if (c.include_file_path_resolved) a['log.file.path_resolved'] = resolved;
    }
    if (c.include_file_owner_name || c.include_file_owner_group_name) {
      const st = statSync(path, { throwIfNoEntry: false });
      if (st && c.include_file_owner_name) {
        this.users ??= idNames('/etc/passwd');
        a['log.file.owner.name'] = this.users.get(st.uid) ?? String(st.uid);
      }
      if (st && c.include_file_owner_group_name) {
        this.groups ??= idNames('/etc/group');
        a['log.file.owner.group.name'] = this.groups.get(st.gid) ?? String(st.gid);
      }
    }
    return a;
  }

  /**
   * Reads a file from its offset to its end, a chunk at a time; each chunk's entries are handed
   * to the pipeline before the offset moves past them. True when the end was reached.
   */
  private async readToEnd(r: Reader): Promise<boolean> {
    if (r.fd === undefined) return true;
    this.readingFiles.add(1);
    try {
      const size = r.size();
      r.refreshFingerprint(Math.min(size, this.config.fingerprint_size));
      for (;;) {
        if (this.stopping) return false;
        const data = r.read(this.buf);
        if (data.length === 0) return true;
        const atEnd = data.length < this.buf.length;
        if (atEnd && r.offset + data.length !== r.lastSeenEnd) {
          r.lastSeenEnd = r.offset + data.length;
          r.lastGrowth = Date.now();
        }
        const flushTail = atEnd && Date.now() - r.lastGrowth >= this.config.force_flush_period;
        const tokens = this.splitter.split(data, flushTail);
        if (tokens.length === 0) return true;
        const observed = BigInt(Date.now()) * 1_000_000n;
        const base = r.offset;
        // entries go to the pipeline a batch at a time: fewer of them alive at once, less for the GC to copy
        for (let t = 0; t < tokens.length;) {
          const stop = Math.min(tokens.length, t + 3 * EMIT_BATCH);
          const recordNumberBefore = r.recordNumber;
          for (; t < stop; t += 3) {
            const body = this.splitter.decode(data.subarray(tokens[t], tokens[t + 1]));
            if (typeof body === 'string' && body.length === 0) continue;
            r.recordNumber++;
            const e = newEntry(body, observed);
            this.decorate(e, r, base + tokens[t]);
            this.pipeline.process(e);
          }
          if (!(await this.emit())) {
            r.recordNumber = recordNumberBefore;
            return false;
          }
          r.offset = base + tokens[t - 1];
          this.dirty = true;
          if (this.stopping) return false;
        }
        if (atEnd) return true;
      }
    } finally {
      this.readingFiles.add(-1);
    }
  }

  private decorate(e: Entry, r: Reader, offset: number): void {
    for (const k in r.attributes) e.attributes[k] = r.attributes[k];
    if (this.config.include_file_record_number) e.attributes['log.file.record_number'] = BigInt(r.recordNumber);
    if (this.config.include_file_record_offset) e.attributes['log.file.record_offset'] = BigInt(offset);
    this.attributer.apply(e);
  }

  /** Hands the entries the operators produced to the pipeline; false when they were not taken (shutdown). */
  private async emit(): Promise<boolean> {
    if (this.out.length === 0) return true;
    const entries = this.out;
    this.out = [];
    return this.delivery.send(entries);
  }

  private async saveState(): Promise<void> {
    this.dirty = false;
    if (!this.client) return;
    const metas: FileMeta[] = [...this.previous, ...this.known.flat()];
    const state = metas.map((m) => ({
      fingerprint: m.fingerprint.toString('base64'),
      offset: m.offset,
      record_number: m.recordNumber,
      path: m.path,
    }));
    await this.client.set(STATE_KEY, Buffer.from(JSON.stringify({ version: 1, files: state })));
  }

  private decodeState(b: Uint8Array): FileMeta[] {
    try {
      const s = JSON.parse(Buffer.from(b).toString()) as {
        files: Array<{ fingerprint: string; offset: number; record_number: number; path: string }>;
      };
      return s.files.map((f) => ({
        fingerprint: Buffer.from(f.fingerprint, 'base64'),
        offset: f.offset,
        recordNumber: f.record_number,
        path: f.path,
      }));
    } catch (err) {
      this.settings.logger.error(
        { error: (err as Error).message },
        'filelog: stored offsets unreadable, starting afresh',
      );
      return [];
    }
  }
}
