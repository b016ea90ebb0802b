#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx hutong` works without a build step.
import { register } from 'tsx/esm/api';

register();
const { buildCli } = await import('../src/cli.ts');
buildCli()
  .parseAsync(process.argv)
  .catch((error) => {
    process.stderr.write(`hutong: ${error.message}\n`);
    process.exit(1);
  });
