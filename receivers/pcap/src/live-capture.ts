// Live capture without a native binding: dumpcap (Wireshark's capture engine, installed with
// tshark) or, failing that, tcpdump writes the capture to its stdout and we read the stream.

import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface LiveCaptureOptions {
  interface: string;
  bpfFilter: string;
  snaplen: number;
}

interface Tool {
  command: string;
  args(o: LiveCaptureOptions): string[];
}

const TOOLS: Tool[] = [
  {
    command: 'dumpcap',
    // -n: pcapng, -q: no packet counts on stderr, -w -: the capture on stdout
    args: (o) => [
      '-i',
      o.interface,
      '-s',
      String(o.snaplen),
      '-n',
      '-q',
      '-w',
      '-',
      ...(o.bpfFilter ? ['-f', o.bpfFilter] : []),
    ],
  },
  {
    command: 'tcpdump',
    // -U and --immediate-mode: every packet reaches the pipe at once, not when a buffer fills
    args: (o) => [
      '-i',
      o.interface,
      '-s',
      String(o.snaplen),
      '-U',
      '--immediate-mode',
      '-w',
      '-',
      ...(o.bpfFilter ? [o.bpfFilter] : []),
    ],
  },
];

const HEADER_TIMEOUT_MS = 15_000;
const STDERR_KEPT = 4096;

function findTool(): Tool | undefined {
  return TOOLS.find((t) => spawnSync(t.command, ['--version'], { stdio: 'ignore' }).error === undefined);
}

/** A running capture: `stdout` carries the pcap or pcapng stream. */
export class LiveCapture {
  readonly command: string;
  readonly stdout: Readable;
  /** resolves when the capture process exits, with what it said on stderr */
  readonly exited: Promise<{ code: number | null; stderr: string }>;
  private readonly child: ChildProcessByStdio<null, Readable, Readable>;
  private stderrText = '';
  private stopping = false;

  private constructor(tool: Tool, options: LiveCaptureOptions) {
    this.command = tool.command;
    this.child = spawn(tool.command, tool.args(options), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.stdout = this.child.stdout;
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (text: string) => {
      this.stderrText = (this.stderrText + text).slice(-STDERR_KEPT);
    });
    this.exited = new Promise((resolve) => {
      this.child.on('error', (err) => resolve({ code: null, stderr: `${this.stderrText}${err.message}` }));
      this.child.on('close', (code) => resolve({ code, stderr: this.stderrText.trim() }));
    });
  }

  /**
   * Starts the capture and waits for its file header: once that arrived the interface is open
   * and filtering, so traffic from then on is seen. Rejects with the tool's own words when it
   * cannot capture (no permission, no such interface, bad filter).
   */
  static async start(options: LiveCaptureOptions): Promise<{ capture: LiveCapture; header: Buffer }> {
    const tool = findTool();
    if (!tool) {
      throw new Error('live capture needs dumpcap or tcpdump: install tshark (`apt-get install tshark`) or tcpdump');
    }
    const capture = new LiveCapture(tool, options);
    const header = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        capture.stop();
        reject(
          new Error(
            `${tool.command} on ${options.interface} wrote no capture header within ${HEADER_TIMEOUT_MS} ms: ${capture.stderrText.trim()}`,
          ),
        );
      }, HEADER_TIMEOUT_MS);
      capture.stdout.once('data', (chunk: Buffer) => {
        clearTimeout(timer);
        capture.stdout.pause();
        resolve(chunk);
      });
      void capture.exited.then(({ code, stderr }) => {
        clearTimeout(timer);
        reject(
          new Error(
            `${tool.command} could not capture on ${options.interface} (exit ${code}): ${stderr || 'no message'}${hint(stderr)}`,
          ),
        );
      });
    });
    return { capture, header };
  }

  get stderr(): string {
    return this.stderrText.trim();
  }

  get stopped(): boolean {
    return this.stopping;
  }

  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.child.kill('SIGTERM');
  }
}

function hint(stderr: string): string {
  if (/permission|not permitted|privilege/i.test(stderr))
    return ' (run as root, or give the tool CAP_NET_RAW and CAP_NET_ADMIN)';
  return '';
}
