/** What a channel's `…SettingsFromEnv` needs to know about the deployment besides the environment. */
export interface ChannelSettingsContext {
  /** Base URL of the emulators (`HUTONG_EMULATORS_URL`), where demo mode points every channel. */
  readonly emulatorsUrl: string;
  /** Demo mode: an unconfigured channel uses its emulator and the demo app the emulator registers. */
  readonly demo: boolean;
}

/** A non-empty, trimmed environment value, or `undefined`. */
export function readEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** A value that must be set because `because` is; the error names the variables, never a value. */
export function requireEnv(env: NodeJS.ProcessEnv, name: string, because: string): string {
  const value = readEnv(env, name);
  if (value === undefined) throw new Error(`${name} must be set when ${because} is set`);
  return value;
}

/** An http(s) base URL without a trailing slash. */
export function baseUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} must be an http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${name} must be an http(s) URL, got "${value}"`);
  if (url.search !== '' || url.hash !== '') throw new Error(`${name} must not have a query or fragment`);
  return url.href.replace(/\/+$/, '');
}

/** A redirect URI, checked to be absolute http(s) and kept verbatim: the platform compares it character by character. */
export function redirectUri(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} must be an absolute http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${name} must be an absolute http(s) URL, got "${value}"`);
  return value;
}
