// The journald receiver: journalctl --output=json --follow as a child process (contrib's way: the
// journal's file format and its filters stay journalctl's), one JSON entry a line into stanza
// entries, through the operators and into the pipeline. The cursor of the last entry the
// pipeline took is kept (in `storage` when configured) and given back as --after-cursor when
// journalctl is started again, after it exits or after a restart; reading pauses while the
// pipeline refuses, and journalctl then blocks on its full pipe.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import {
  type Consumer,
  type CreateSettings,
  type Host,
  type PipelineSignal,
  type Receiver,
  type StorageClient,
  storageClient,
} from '@flowtel/core';
import {
  Attributer,
  type Entry,
  LogDelivery,
  newEntry,
  pauseUnless,
  Pipeline,
  type Value,
  type ValueMap,
} from '@flowtel/stanza';
import { type Config, journalctlArgs } from './config.ts';
import { toSemanticConventions } from './semconv.ts';

const CURSOR_KEY = 'lastReadCursor';
/** contrib waits this long before starting journalctl again after it exited */
const RESTART_BACKOFF_MS = 2000;

type Journalctl = ChildProcessByStdio<null, Readable, Readable>;

export class JournaldReceiver implements Receiver {
  private readonly settings: CreateSettings;
  private readonly config: Config;
  private readonly attributer: Attributer;
  private readonly delivery: LogDelivery;
  private pipeline!: Pipeline;
  private out: Entry[] = [];
  private client?: StorageClient;
  /** the cursor of the last entry the pipeline took */
  private cursor?: string;
  private child?: Journalctl;
  private loop?: Promise<void>;
  /** aborted at shutdown: ends the waits and tells the loops to stop */
  private readonly stopped = new AbortController();
  private get stopping(): boolean {
    return this.stopped.signal.aborted;
  }

  constructor(settings: CreateSettings, config: Config, consumers: Partial<Record<PipelineSignal, Consumer>>) {
    this.settings = settings;
    this.config = config;
    this.attributer = new Attributer(config.attributes, config.resource);
    this.delivery = new LogDelivery(consumers.logs, config.retry_on_failure, settings.logger, 'journal entries');
  }

  async start(host: Host): Promise<void> {
    this.pipeline = new Pipeline(this.config.operators, { logger: this.settings.logger }, (e) => this.out.push(e));
    if (this.config.storage) {
      this.client = await storageClient(host, this.config.storage, 'receiver', this.settings.id);
      const saved = await this.client.get(CURSOR_KEY);
      if (saved) this.cursor = Buffer.from(saved).toString();
    }
    // a journalctl that cannot be started fails the start, as contrib's; one that starts and
    // exits (a missing directory, a bad filter) is logged and started again
    const first = await this.launch().catch((err: Error) => {
      throw new Error(`journalctl command failed: ${err.message}`);
    });
    this.loop = this.run(first);
  }

  async shutdown(): Promise<void> {
    if (this.stopping) return this.loop;
    this.stopped.abort();
    this.delivery.stop();
    this.child?.kill('SIGTERM');
    await this.loop;
    if (this.pipeline) {
      this.pipeline.flush(true);
      await this.emit();
    }
    await this.client?.close();
  }

  /** the command line: journalctl itself, or journalctl inside root_path through chroot(8) */
  private command(): [string, string[]] {
    const args = journalctlArgs(this.config);
    if (this.cursor) args.push('--after-cursor', this.cursor);
    const { root_path: root, journalctl_path: path } = this.config;
    if (!root) return [path ?? 'journalctl', args];
    return ['chroot', [root, path ?? '/usr/bin/journalctl', ...args]];
  }

  /** starts journalctl; resolves once it runs, rejects when it could not be started */
  private launch(): Promise<Journalctl> {
    const [file, args] = this.command();
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stderr.setEncoding('utf8');
    let partial = '';
    child.stderr.on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop()!;
      for (const line of lines) if (line) this.settings.logger.error({ stderr: line }, 'journalctl wrote to stderr');
    });
    return new Promise((resolve, reject) => {
      child.once('spawn', () => resolve(child));
      child.once('error', reject);
    });
  }

  private async run(first: Journalctl): Promise<void> {
    let child: Journalctl | undefined = first;
    while (!this.stopping) {
      if (child) {
        const exited = new Promise<number | null>((resolve) => child!.once('close', resolve));
        await this.read(child);
        const code = await exited;
        if (this.stopping) return;
        this.settings.logger.error(
          { exit_code: code, restart_in_ms: RESTART_BACKOFF_MS },
          'journalctl exited: starting it again from the last cursor',
        );
      }
      await pauseUnless(RESTART_BACKOFF_MS, this.stopped.signal);
      if (this.stopping) return;
      child = await this.launch().catch((err: Error) => {
        this.settings.logger.error({ error: err.message }, 'journalctl could not be started');
        return undefined;
      });
    }
  }

  /** reads journalctl's lines until it exits; a chunk's entries go to the pipeline before the next is read */
  private async read(child: Journalctl): Promise<void> {
    const decoder = new StringDecoder('utf8');
    let rest = '';
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      const lines = (rest + decoder.write(chunk)).split('\n');
      rest = lines.pop()!;
      let cursor: string | undefined;
      for (const line of lines) {
        const parsed = line ? this.parse(line) : undefined;
        if (!parsed) continue;
        this.attributer.apply(parsed.entry);
        this.pipeline.process(parsed.entry);
        cursor = parsed.cursor;
      }
      // stopped while the pipeline refused: the cursor stays before these entries
      if (!(await this.emit())) return;
      if (cursor) await this.saveCursor(cursor);
    }
  }

  private parse(line: string): { entry: Entry; cursor: string } | undefined {
    const warn = (why: string) => this.settings.logger.warn({ error: why }, 'Failed to parse journal entry');
    let fields: Record<string, unknown>;
    try {
      fields = JSON.parse(line) as Record<string, unknown>;
    } catch (err) {
      warn((err as Error).message);
      return undefined;
    }
    const realtime = fields.__REALTIME_TIMESTAMP;
    if (typeof realtime !== 'string' || !/^\d+$/.test(realtime)) {
      warn('journald body missing a __REALTIME_TIMESTAMP string of microseconds');
      return undefined;
    }
    const cursor = fields.__CURSOR;
    if (typeof cursor !== 'string') {
      warn('journald body missing a __CURSOR string');
      return undefined;
    }
    delete fields.__REALTIME_TIMESTAMP;
    // journalctl writes a MESSAGE that is not printable UTF-8 as its bytes, an array of numbers
    if (this.config.convert_message_bytes && Array.isArray(fields.MESSAGE))
      fields.MESSAGE = Buffer.from(fields.MESSAGE.filter((b): b is number => typeof b === 'number')).toString();
    const entry = newEntry(null, BigInt(Date.now()) * 1_000_000n);
    entry.timestamp = BigInt(realtime) * 1000n;
    if (this.config.convert_to_semantic_conventions) toSemanticConventions(entry, fields as ValueMap);
    else entry.body = fields as Value;
    return { entry, cursor };
  }

  /** hands the entries the operators produced to the pipeline; false when they were not taken (shutdown) */
  private async emit(): Promise<boolean> {
    if (this.out.length === 0) return true;
    const entries = this.out;
    this.out = [];
    return this.delivery.send(entries);
  }

  private async saveCursor(cursor: string): Promise<void> {
    this.cursor = cursor;
    await this.client?.set(CURSOR_KEY, Buffer.from(cursor));
  }
}
