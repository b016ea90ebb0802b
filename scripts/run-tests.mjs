#!/usr/bin/env node
// Runs every *.test.ts under src/, emulators/ and test/ with node's test runner through tsx.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = ['src', 'emulators', 'test'];

// Files start in this order, the longest first: a long file that starts last keeps the run waiting
// on it alone, while short unit files fill the gaps at the end.
const LONGEST = ['test/cli.test.ts', 'booking-burst', 'payment-crash', 'csv.connector.test', 'test/e2e/web-app.test'];
function startOrder(file) {
  const longest = LONGEST.findIndex((name) => file.includes(name));
  if (longest >= 0) return longest;
  if (file.startsWith('test/e2e/')) return LONGEST.length;
  if (file.startsWith('test/')) return LONGEST.length + 1;
  return LONGEST.length + 2;
}
const files = roots
  .flatMap((root) => {
    try {
      return readdirSync(root, { recursive: true }).map((f) => join(root, String(f)));
    } catch {
      return [];
    }
  })
  .filter((f) => f.endsWith('.test.ts') && !f.includes('node_modules'))
  .sort((a, b) => startOrder(a) - startOrder(b) || a.localeCompare(b));

const filter = process.argv.slice(2);
const selected = filter.length ? files.filter((f) => filter.some((p) => f.includes(p))) : files;
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${process.env.HUTONG_TEST_CONCURRENCY ?? 2}`, '--test-timeout=240000', ...selected],
  { stdio: 'inherit', env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' } },
);
process.exit(result.status ?? 1);
