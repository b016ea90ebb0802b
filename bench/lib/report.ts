/** The run's one table: rows added by the sections, printed fixed-width and written as JSON. */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { knobs } from './config.ts';

export interface Row {
  /** Section letter, a…h (p: the payments bench). */
  readonly section: string;
  readonly name: string;
  /** A figure, or a word such as "skipped (nginx not installed)". */
  readonly value: number | string;
  readonly unit?: string;
  /** What the figure should be, e.g. "≥ 0.4". */
  readonly target?: string;
  readonly met?: boolean;
  readonly rps?: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly note?: string;
}

/** Whether `value` meets a target given as a comparison. */
export function meets(value: number | undefined, comparison: '≥' | '≤' | '=', bound: number): boolean | undefined {
  if (value === undefined || !Number.isFinite(value)) return undefined;
  return comparison === '≥' ? value >= bound : comparison === '≤' ? value <= bound : value === bound;
}

export class Report {
  readonly rows: Row[] = [];
  /** Figures kept for the JSON file only (per section). */
  readonly details: Record<string, unknown> = {};
  readonly startedAt = new Date();
  /** Other work on the machine skews every figure: the load average when the run began. */
  readonly loadAtStart = os.loadavg();

  add(row: Row): Row {
    this.rows.push(row);
    return row;
  }

  /** Rows by section letter (the order sections ran in may differ), each section's in the order added. */
  sorted(): Row[] {
    const order = (r: Row) => 'abcdefghp'.indexOf(r.section) + 1 || 99;
    return [...this.rows].sort((a, b) => order(a) - order(b));
  }

  skip(section: string, name: string, reason: string): void {
    this.add({ section, name, value: `skipped (${reason})` });
  }

  fail(section: string, name: string, error: unknown): void {
    const message = (error as Error)?.message ?? String(error);
    this.add({ section, name, value: `failed: ${message.split('\n')[0]!.slice(0, 160)}` });
  }

  header(): string {
    return [
      `Hutong bench — ${this.startedAt.toISOString()}, node ${process.version}, ${os.cpus().length} CPUs (load average ${this.loadAtStart.map((n) => n.toFixed(2)).join(' ')} at the start), loopback; budget ${knobs.budgetSeconds} s, took ${Math.round((Date.now() - this.startedAt.getTime()) / 1000)} s`,
      `saturating steps: autocannon, ${knobs.connections} connections, ${knobs.durationSeconds} s; fixed-rate steps: ${knobs.rate} req/s, ${knobs.rateConnections} connections, ${knobs.rateRounds} × ${knobs.rateSeconds} s per server taken in turns, timed in µs by the bench's own client`,
      knobs.payments ? 'payments bench (bench/payments.ts): included below (BENCH_PAYMENTS=1)' : 'payments bench (bench/payments.ts): not run — BENCH_PAYMENTS=1 adds it (it takes minutes), or run `npx tsx bench/payments.ts` alone',
    ].join('\n');
  }

  /** The table, fixed-width, then the notes of rows that have one. */
  format(): string {
    const columns: Array<[string, (r: Row) => string, 'left' | 'right']> = [
      ['§', (r) => r.section, 'left'],
      ['name', (r) => r.name, 'left'],
      ['value', (r) => (typeof r.value === 'number' ? String(r.value) : r.value), 'right'],
      ['unit', (r) => r.unit ?? '', 'left'],
      ['target', (r) => r.target ?? '', 'left'],
      ['met', (r) => (r.met === undefined ? '' : r.met ? 'yes' : 'NO'), 'left'],
      ['rps', (r) => (r.rps === undefined ? '' : String(r.rps)), 'right'],
      ['p50 ms', (r) => (r.p50Ms === undefined ? '' : String(r.p50Ms)), 'right'],
      ['p99 ms', (r) => (r.p99Ms === undefined ? '' : String(r.p99Ms)), 'right'],
    ];
    const width = (s: string) => [...s].reduce((n, ch) => n + (/[\u1100-\uffff]/.test(ch) && !/[–—µ≥≤×→]/.test(ch) ? 2 : 1), 0);
    const rows = this.sorted();
    const cells = rows.map((r) => columns.map(([, get]) => get(r)));
    const widths = columns.map(([title], i) => Math.max(width(title), ...cells.map((row) => width(row[i]!))));
    const pad = (s: string, i: number) => {
      const fill = ' '.repeat(widths[i]! - width(s));
      return columns[i]![2] === 'right' ? fill + s : s + fill;
    };
    const line = (values: string[]) => `| ${values.map(pad).join(' | ')} |`;
    const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
    const out = [this.header(), '', line(columns.map(([title]) => title)), rule, ...cells.map(line)];
    const notes = rows.filter((r) => r.note);
    if (notes.length > 0) out.push('', 'notes:', ...notes.map((r) => `  ${r.section} ${r.name}: ${r.note}`));
    return out.join('\n');
  }

  async write(): Promise<string> {
    await mkdir(knobs.resultsDir, { recursive: true });
    const file = path.join(knobs.resultsDir, `bench-${this.startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    const body = {
      at: this.startedAt.toISOString(),
      seconds: Math.round((Date.now() - this.startedAt.getTime()) / 1000),
      node: process.version,
      cpus: os.cpus().length,
      loadAverageAtStart: this.loadAtStart,
      loadAverageAtEnd: os.loadavg(),
      header: this.header(),
      knobs,
      rows: this.sorted().map((r) => ({ ...r, met: r.met === undefined ? undefined : r.met ? 'yes' : 'no' })),
      details: this.details,
    };
    await writeFile(file, `${JSON.stringify(body, null, 2)}\n`);
    return file;
  }
}
