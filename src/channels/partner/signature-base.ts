import {
  parseDictionary,
  serializeDictionary,
  serializeInnerList,
  serializeItem,
  sf,
  StructuredFieldError,
  type InnerList,
  type Item,
  type Parameters,
} from './structured-fields.ts';

/**
 * RFC 9421 (HTTP Message Signatures), request side: component values, the signature base, and
 * the `Signature-Input` / `Signature` fields. Policy (which components, which times) lives in
 * `partner.verify.ts`; this file only follows the RFC.
 */

/** The parts of an HTTP request a signature can cover; headers as Node gives them, in any case. */
export interface SignableRequest {
  readonly method: string;
  /** The absolute target URI (`https://hub.example/v1/…?…`), as the client addressed it. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
}

/** The request cannot be signed or verified as described; the message names the part. */
export class MessageSignatureError extends Error {
  override readonly name = 'MessageSignatureError';
}

/** The derived components this hub can compute for a request (RFC 9421 §2.2). */
export const DERIVED_COMPONENTS = ['@method', '@target-uri', '@authority', '@scheme', '@request-target', '@path', '@query'] as const;

const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443' };

/** The target URI split the way §2.2 derives components from it; scheme and authority normalised. */
export interface TargetUri {
  readonly scheme: string;
  /** Lower-case host, and the port unless it is the scheme's default (RFC 9110 §4.2.3). */
  readonly authority: string;
  /** As sent, not decoded; `/` for an empty path. */
  readonly path: string;
  /** As sent with its leading `?`; `''` when the URI has none. */
  readonly query: string;
}

export function parseTargetUri(url: string): TargetUri {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?(?:#.*)?$/.exec(url);
  if (!match) throw new MessageSignatureError(`The target URI is not absolute: ${JSON.stringify(url)}`);
  const scheme = match[1].toLowerCase();
  const rawAuthority = match[2];
  if (rawAuthority.includes('@')) throw new MessageSignatureError('The target URI must not carry user information');
  const hostPort = /^(\[[^\]]*\]|[^:]*)(?::([0-9]*))?$/.exec(rawAuthority);
  if (!hostPort || hostPort[1] === '') throw new MessageSignatureError(`The target URI has no valid host: ${JSON.stringify(url)}`);
  const host = hostPort[1].toLowerCase();
  const port = hostPort[2];
  const authority = port && port !== DEFAULT_PORTS[scheme] ? `${host}:${port}` : host;
  return { scheme, authority, path: match[3] || '/', query: match[4] ?? '' };
}

/** `scheme://authority/path?query`, normalised as {@link parseTargetUri} does. */
export function targetUri(url: string): string {
  const t = parseTargetUri(url);
  return `${t.scheme}://${t.authority}${t.path}${t.query}`;
}

/**
 * A field's value as RFC 9421 §2.1 covers it: every line of the field, trimmed, obsolete folding
 * replaced by a space, joined with ", ". `undefined` when the request does not carry the field.
 */
export function fieldValue(headers: SignableRequest['headers'], name: string): string | undefined {
  const lines: string[] = [];
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    for (const line of typeof value === 'string' ? [value] : value) lines.push(line.replace(/\r?\n[ \t]+/g, ' ').trim());
  }
  return lines.length === 0 ? undefined : lines.join(', ');
}

function componentName(component: Item): string {
  if (component.value.type !== 'string') throw new MessageSignatureError(`Covered components are strings; got ${serializeItem(component)}`);
  return component.value.value;
}

/**
 * The value of one covered component (RFC 9421 §2.1–2.2). Component parameters (`;sf`, `;key`,
 * `;bs`, `;req`, `;name`) are not supported and are refused rather than ignored.
 */
export function componentValue(request: SignableRequest, component: Item): string {
  const name = componentName(component);
  if (component.params.size > 0) throw new MessageSignatureError(`Component parameters are not supported: ${serializeItem(component)}`);
  if (name.startsWith('@')) {
    const target = () => parseTargetUri(request.url);
    switch (name) {
      case '@method':
        return request.method;
      case '@target-uri':
        return targetUri(request.url);
      case '@authority':
        return target().authority;
      case '@scheme':
        return target().scheme;
      case '@request-target':
        return target().path + target().query;
      case '@path':
        return target().path;
      case '@query':
        // §2.2.7: with no query, the value is the "?" alone.
        return target().query || '?';
      default:
        throw new MessageSignatureError(`Derived component ${name} is not supported for requests (supported: ${DERIVED_COMPONENTS.join(', ')})`);
    }
  }
  if (name !== name.toLowerCase()) throw new MessageSignatureError(`Field names in covered components are lower case: "${name}"`);
  if (name === 'signature' || name === 'signature-input') throw new MessageSignatureError(`The ${name} field cannot be covered by the signature it carries`);
  const value = fieldValue(request.headers, name);
  if (value === undefined) throw new MessageSignatureError(`Covered field "${name}" is not in the request`);
  return value;
}

/**
 * The signature base (RFC 9421 §2.5): one `"name": value` line per covered component, then the
 * `"@signature-params"` line holding the serialised inner list — no trailing newline.
 *
 * @example
 *   signatureBase(request, { kind: 'inner-list', items: [sf.item(sf.string('@method'))], params })
 */
export function signatureBase(request: SignableRequest, signatureParams: InnerList): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const component of signatureParams.items) {
    const identifier = serializeItem(component);
    if (componentName(component) === '@signature-params') throw new MessageSignatureError('"@signature-params" cannot be a covered component');
    if (seen.has(identifier)) throw new MessageSignatureError(`Component ${identifier} is covered twice`);
    seen.add(identifier);
    const value = componentValue(request, component);
    if (/[\r\n]/.test(value)) throw new MessageSignatureError(`Component ${identifier} has a line break in its value`);
    lines.push(`${identifier}: ${value}`);
  }
  lines.push(`"@signature-params": ${serializeInnerList(signatureParams)}`);
  return lines.join('\n');
}

/** Builds the inner list of a `Signature-Input` member from component names and parameters. */
export function signatureParams(components: readonly string[], params: Parameters): InnerList {
  return { kind: 'inner-list', items: components.map((c) => sf.item(sf.string(c))), params };
}

/** One signature found on a request: its label, what it covers and the signature bytes. */
export interface RequestSignature {
  readonly label: string;
  readonly input: InnerList;
  readonly signature: Uint8Array;
}

/**
 * Reads `Signature-Input` and `Signature` (RFC 9421 §4), pairing members by label in the order of
 * `Signature-Input`. A label present in one field and not the other is left out.
 */
export function readSignatures(headers: SignableRequest['headers']): RequestSignature[] {
  const inputField = fieldValue(headers, 'signature-input');
  const signatureField = fieldValue(headers, 'signature');
  if (inputField === undefined) throw new MessageSignatureError('The request has no Signature-Input header');
  if (signatureField === undefined) throw new MessageSignatureError('The request has no Signature header');
  let inputs;
  let signatures;
  try {
    inputs = parseDictionary(inputField);
    signatures = parseDictionary(signatureField);
  } catch (error) {
    if (error instanceof StructuredFieldError) throw new MessageSignatureError(`Malformed signature header: ${error.message}`);
    throw error;
  }
  const found: RequestSignature[] = [];
  for (const [label, input] of inputs) {
    const signature = signatures.get(label);
    if (!signature) continue;
    if (input.kind !== 'inner-list') throw new MessageSignatureError(`Signature-Input ${label} is not an inner list of components`);
    if (signature.kind !== 'item' || signature.value.type !== 'bytes') throw new MessageSignatureError(`Signature ${label} is not a byte sequence`);
    found.push({ label, input, signature: signature.value.value });
  }
  return found;
}

/** The two header values for one signature: `Signature-Input` and `Signature`, each `label=…`. */
export function signatureHeaders(label: string, input: InnerList, signature: Uint8Array): { 'signature-input': string; signature: string } {
  return {
    'signature-input': serializeDictionary(new Map([[label, input]])),
    signature: serializeDictionary(new Map([[label, sf.item(sf.bytes(signature))]])),
  };
}
