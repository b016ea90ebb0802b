// The bench keeps a pipe open on each of its server scripts' stdin (BENCH_STDIN_WATCH=1): when
// the bench goes away, however abruptly, the pipe closes and the server ends too.
export function exitWhenParentGoes(): void {
  if (process.env.BENCH_STDIN_WATCH !== '1') return;
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}
