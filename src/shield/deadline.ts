/**
 * A signal that aborts when `parent` does or when `ms` pass, with a strong reference to its own
 * timer. (A composite of `AbortSignal.any([parent, AbortSignal.timeout(ms)])` may lose its timeout
 * to garbage collection on Node 20 and then never fire.) Call `dispose` when the work is done.
 */
export function deadlineSignal(parent: AbortSignal, ms: number): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener('abort', onParentAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new DOMException(`deadline of ${ms} ms passed`, 'TimeoutError')), ms);
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      parent.removeEventListener('abort', onParentAbort);
    },
  };
}
