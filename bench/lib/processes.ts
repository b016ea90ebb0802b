/**
 * Child processes of the bench: each started in its own process group (so a hub's cluster workers
 * and nginx's workers go with it), remembered until it exits, and ended at the end of the run —
 * also when the run fails, is interrupted or runs out of time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { knobs } from './config.ts';

export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  /** The last lines the child printed (stdout and stderr), for error messages. */
  readonly tail: string[];
  /** Everything printed on stdout so far (kept until the child is ready). */
  stdout: string;
}

const running = new Set<Child>();
const TAIL_LINES = 40;

function signalGroup(child: Child, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
}

/** Ends every child still running, at once (SIGKILL to each group). Safe to call from `exit`. */
export function killAllNow(): void {
  for (const child of running) signalGroup(child, 'SIGKILL');
  running.clear();
}

let installed = false;
/** Children are ended whatever way this process ends. */
export function installCleanup(onInterrupt: () => void): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}, ending every child process\n`);
      onInterrupt();
      killAllNow();
      process.exit(130);
    });
  }
}

export interface StartOptions<T> {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Looks at everything printed on stdout so far; the child is ready once it returns a value. */
  readonly ready?: (stdout: string) => T | undefined;
  /** For children that print nothing when ready: asked every 50 ms until it returns a value. */
  readonly probe?: () => Promise<T | undefined>;
  readonly timeoutMs: number;
  /** Keep stdin open: the bench's own server scripts exit when it closes (the bench died). */
  readonly stdinWatch?: boolean;
}

/**
 * Starts `command args` and waits until it prints that it is ready. Rejects (and kills it) when it
 * exits first or takes longer than `timeoutMs`.
 */
export async function startChild<T>(name: string, command: string, args: readonly string[], options: StartOptions<T>): Promise<{ child: Child; info: T }> {
  const proc = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: [options.stdinWatch ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  if (proc.pid === undefined) {
    const error = await new Promise<Error>((resolve) => proc.once('error', resolve));
    throw new Error(`${name}: could not start ${command}: ${error.message}`);
  }
  const child: Child = { name, proc, pid: proc.pid, tail: [], stdout: '' };
  running.add(child);
  proc.once('exit', () => running.delete(child));
  proc.once('error', () => running.delete(child));
  const keep = (chunk: Buffer, stream: 'out' | 'err') => {
    const text = chunk.toString('utf8');
    if (stream === 'out' && child.stdout.length < 1_000_000) child.stdout += text;
    for (const line of text.split('\n')) if (line.trim()) child.tail.push(line.slice(0, 500));
    if (child.tail.length > TAIL_LINES) child.tail.splice(0, child.tail.length - TAIL_LINES);
    if (knobs.verbose) process.stderr.write(`[${name}] ${text}`);
  };
  proc.stdout!.on('data', (chunk: Buffer) => keep(chunk, 'out'));
  proc.stderr!.on('data', (chunk: Buffer) => keep(chunk, 'err'));
  try {
    const info = await new Promise<T>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(new Error(`${name} was not ready within ${options.timeoutMs / 1000} s: ${child.tail.slice(-4).join(' | ')}`));
      }, options.timeoutMs);
      const done = (value: T) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        proc.stdout!.off('data', check);
        resolve(value);
      };
      const check = () => {
        const value = options.ready?.(child.stdout);
        if (value !== undefined) done(value);
      };
      const probe = async () => {
        while (!settled && proc.exitCode === null && proc.signalCode === null) {
          const value = await options.probe!().catch(() => undefined);
          if (value !== undefined) return done(value);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      proc.stdout!.on('data', check);
      proc.once('exit', (code, signal) => {
        settled = true;
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code ?? signal}) before it was ready: ${child.tail.slice(-8).join(' | ')}`));
      });
      check();
      if (options.probe) void probe();
    });
    return { child, info };
  } catch (error) {
    await stopChild(child, 0);
    throw error;
  }
}

/** The bench's own server scripts print `READY {json}` once listening. */
export function readyJson<T>(stdout: string): T | undefined {
  const match = /READY (\{.*\})\n/.exec(stdout);
  return match ? (JSON.parse(match[1]!) as T) : undefined;
}

/** Starts one of the bench's server scripts (bench/servers/*.ts) under tsx. */
export function startScript<T>(name: string, script: string, env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<{ child: Child; info: T }> {
  return startChild<T>(name, process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env, BENCH_STDIN_WATCH: '1' }, ready: readyJson<T>, timeoutMs, stdinWatch: true });
}

/** SIGTERM to the child's group, SIGKILL after `graceMs`; resolves when the child has exited. */
export async function stopChild(child: Child, graceMs = 8000): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) {
    // The leader is gone; anything left in its group goes too.
    signalGroup(child, 'SIGKILL');
    running.delete(child);
    return;
  }
  const exited = new Promise<void>((resolve) => child.proc.once('exit', () => resolve()));
  signalGroup(child, graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  signalGroup(child, 'SIGKILL');
  running.delete(child);
}

/** Stops every child still running, politely first. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => stopChild(child, 5000)));
}

/** Resident memory of a process in MiB (VmRSS in /proc/<pid>/status), or undefined when not readable. */
export async function residentMiB(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}
