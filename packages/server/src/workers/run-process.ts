import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What runs a job's code: the interpreter, the file name its code is written to. */
export type Language = 'python3' | 'shell';

export interface ProcessSpec {
  language: Language;
  code: Buffer;
  /** The whole environment of the process (nothing of the server's leaks in). */
  env: Record<string, string>;
  /** Extra files written beside the code (e.g. parameters.json). */
  files?: Record<string, string>;
  timeoutMs: number;
  /** Address-space limit (RLIMIT_AS) in bytes; not enforced when prlimit is missing. */
  memoryBytes?: number;
  /** Called for each line the process writes (stdout and stderr, in arrival order). */
  onLine(line: string): void;
}

export interface ProcessOutcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Set when the process could not be started at all. */
  spawnError?: string;
}

/** The longest line kept; longer ones are cut in pieces. */
const MAX_LINE = 16 * 1024;

let tools: Promise<{ python: string; prlimit?: string; shell: string }> | undefined;

/** Finds the interpreters once: JOB_PYTHON, or the `python3` on PATH resolved to its real binary. */
export function runtimeTools() {
  tools ??= (async () => {
    const python =
      process.env.JOB_PYTHON ??
      (await run('python3', ['-c', 'import sys; print(sys.executable)']).then(
        (r) => r.stdout.trim(),
        () => 'python3',
      ));
    const which = async (cmd: string) =>
      run('sh', ['-c', `command -v ${cmd}`]).then(
        (r) => r.stdout.trim() || undefined,
        () => undefined,
      );
    const prlimit = await which('prlimit');
    const shell = (await which('bash')) ?? '/bin/sh';
    return { python, prlimit, shell };
  })();
  return tools;
}

/**
 * One job process: its own working directory (removed when it ends), its own process group (so
 * cancel, pause and resume reach every process it starts), a time limit, and a memory limit
 * applied by `prlimit` before the interpreter starts.
 */
export class RunProcess {
  private child: ChildProcess | undefined;
  private timer: NodeJS.Timeout | undefined;
  private deadline = 0;
  private remainingMs = 0;
  private timedOut = false;
  private stopped = false;
  readonly done: Promise<ProcessOutcome>;
  private started!: (pid: number | undefined) => void;
  /** Resolves with the pid once the process exists (undefined when it could not start). */
  readonly pid: Promise<number | undefined>;

  constructor(private readonly spec: ProcessSpec) {
    this.pid = new Promise((resolve) => (this.started = resolve));
    this.done = this.start();
  }

  private async start(): Promise<ProcessOutcome> {
    const { python, prlimit, shell } = await runtimeTools();
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'cc-job-run-'));
    try {
      const file = this.spec.language === 'python3' ? 'main.py' : 'main.sh';
      await fs.promises.writeFile(path.join(dir, file), this.spec.code);
      for (const [name, text] of Object.entries(this.spec.files ?? {})) {
        await fs.promises.writeFile(path.join(dir, name), text);
      }
      const interpreter = this.spec.language === 'python3' ? [python, '-u', file] : [shell, file];
      const argv =
        prlimit && this.spec.memoryBytes
          ? [prlimit, `--as=${this.spec.memoryBytes}`, '--', ...interpreter]
          : interpreter;
      const env = { ...this.spec.env, HOME: dir, TMPDIR: dir, PWD: dir };
      return await this.watch(
        spawn(argv[0], argv.slice(1), { cwd: dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }),
      );
    } finally {
      await fs.promises.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  private watch(child: ChildProcess): Promise<ProcessOutcome> {
    this.child = child;
    return new Promise((resolve) => {
      let ended = 0;
      let exit: { code: number | null; signal: string | null } | undefined;
      // Ends once the process exited AND both pipes drained, so no line is lost.
      const finish = () => {
        if (++ended < 3 || !exit) return;
        clearTimeout(this.timer);
        resolve({ exitCode: exit.code, signal: exit.signal, timedOut: this.timedOut });
      };
      for (const stream of [child.stdout!, child.stderr!]) {
        const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
        lines.on('line', (line) => {
          for (let i = 0; i < line.length || i === 0; i += MAX_LINE)
            this.spec.onLine(line.slice(i, i + MAX_LINE));
        });
        lines.on('close', finish);
      }
      child.once('error', (err) => {
        this.started(undefined);
        clearTimeout(this.timer);
        resolve({ exitCode: null, signal: null, timedOut: false, spawnError: err.message });
      });
      child.once('spawn', () => {
        this.started(child.pid);
        if (this.stopped) this.signal('SIGKILL');
        this.arm(this.spec.timeoutMs);
      });
      child.once('exit', (code, signal) => {
        exit = { code, signal };
        // whatever the job left behind in its group goes with it
        this.signal('SIGKILL');
        finish();
      });
    });
  }

  private arm(ms: number): void {
    clearTimeout(this.timer);
    this.deadline = Date.now() + ms;
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.kill();
    }, ms);
    this.timer.unref();
  }

  /** Signals the whole process group; false when it is gone. */
  private signal(sig: NodeJS.Signals): boolean {
    const pid = this.child?.pid;
    if (!pid) return false;
    try {
      process.kill(-pid, sig);
      return true;
    } catch {
      return false;
    }
  }

  /** Ends the process group (a stopped group is woken so it can die). */
  kill(): void {
    this.stopped = true;
    this.signal('SIGKILL');
    this.signal('SIGCONT');
  }

  /** Suspends the group; the time limit stops counting while paused. */
  pause(): boolean {
    if (!this.signal('SIGSTOP')) return false;
    clearTimeout(this.timer);
    this.remainingMs = Math.max(this.deadline - Date.now(), 0);
    return true;
  }

  resume(): boolean {
    if (!this.signal('SIGCONT')) return false;
    this.arm(this.remainingMs);
    return true;
  }
}
