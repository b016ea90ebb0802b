/**
 * Takes a browser login's one-time `#handoff=<code>` out of the address, so that neither a reload
 * nor the history can replay it, and returns it for redeeming.
 */
export function takeHandoffCode(): string | null {
  const fragment = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  const code = fragment.get('handoff');
  if (!code) return null;
  fragment.delete('handoff');
  const rest = fragment.toString();
  window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}${rest ? `#${rest}` : ''}`);
  return code;
}
