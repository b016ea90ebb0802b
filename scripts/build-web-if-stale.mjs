#!/usr/bin/env node
// Builds the citizen web app and the operator console (web/ → web/dist) when it has never been built or a source is newer
// than the build, so that `npm start` always serves the current app without an extra step.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const web = 'web';
// The older of the two pages decides: a build that stopped half-way is rebuilt.
const builtPages = [join(web, 'dist', 'index.html'), join(web, 'dist', 'admin', 'index.html')];
const sources = [join(web, 'src'), join(web, 'public'), join(web, 'index.html'), join(web, 'admin'), join(web, 'vite.config.ts'), join(web, 'tsconfig.json'), 'package-lock.json'];

/** The newest modification time under a file or folder (0 when it does not exist). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), stat.mtimeMs);
}

const builtAt = Math.min(...builtPages.map((page) => (existsSync(page) ? statSync(page).mtimeMs : 0)));
const changedAt = Math.max(...sources.map(newest));
if (builtAt >= changedAt) process.exit(0);

process.stdout.write(builtAt ? 'web app sources changed; rebuilding web/dist\n' : 'web app not built yet; building web/dist\n');
const vite = join('node_modules', '.bin', process.platform === 'win32' ? 'vite.cmd' : 'vite');
const result = spawnSync(vite, ['build', '--config', join(web, 'vite.config.ts'), '--logLevel', 'warn'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
