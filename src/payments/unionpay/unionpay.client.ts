import { createHash, createPublicKey, createSign, createVerify, X509Certificate, type KeyObject } from 'node:crypto';
import { hutongError, type HutongError } from '../../errors.ts';
import { privateKeyFrom, publicKeyFrom } from '../../key-material.ts';

/**
 * A small client for the UnionPay online gateway (全渠道, ACP version 5.1.0, `signMethod=01`), with
 * `node:crypto` only: no maintained Node SDK exists.
 *
 * Requests are `application/x-www-form-urlencoded` POSTs. Signing: every non-empty field but
 * `signature`, sorted by name, joined as `key=value&…` (raw values); the SHA-256 hex digest of that
 * text is signed with SHA256withRSA and the merchant's private key; base64 → `signature`. `certId`
 * names the merchant's signing certificate. Answers are `key=value&…` (not URL-encoded; a value that
 * holds `&` comes wrapped in `{}`), signed the same way by UnionPay, with its signing certificate in
 * `signPubKeyCert`. The client pins UnionPay's key: `signPubKeyCert` must hold the configured public
 * key, either as an X.509 certificate (UnionPay's) or as a bare public key PEM (the emulator's: Node
 * cannot issue certificates). The certificate chain to UnionPay's root is not checked; the pin
 * stands in for it.
 */

/** One ACP message: the fields of a request, an answer or a notification. */
export type AcpMessage = Readonly<Record<string, string>>;

export interface UnionpayClientOptions {
  /** 商户号, 15 digits. */
  readonly merId: string;
  /** The serial of the merchant's signing certificate. */
  readonly certId: string;
  /** The merchant's signing key: PEM, or base64 PKCS#8/PKCS#1 DER. */
  readonly merchantPrivateKey: string;
  /** UnionPay's signing public key: PEM public key, PEM certificate, or base64 SPKI DER. */
  readonly platformPublicKey: string;
  /** Base URL of the gateway; `/gateway/api/backTransReq.do` and `/gateway/api/queryTrans.do` follow it. */
  readonly gateway: string;
  /** The file transfer address (UnionPay's is on another host than the gateway). */
  readonly fileTransUrl: string;
}

export interface UnionpayClient {
  readonly merId: string;
  /** 后台交易: QR orders, returns. Resolves with UnionPay's verified answer, whatever its `respCode`. */
  backTrans(fields: AcpMessage, operation: string, signal: AbortSignal): Promise<AcpMessage>;
  /** 交易状态查询. */
  queryTrans(fields: AcpMessage, operation: string, signal: AbortSignal): Promise<AcpMessage>;
  /** 文件传输. */
  fileTrans(fields: AcpMessage, operation: string, signal: AbortSignal): Promise<AcpMessage>;
  /** Whether a message (an answer or a notification) carries UnionPay's valid signature. */
  verify(message: AcpMessage): boolean;
}

export const ACP_VERSION = '5.1.0';
const CHINA_OFFSET_MS = 8 * 3_600_000;

/** `yyyyMMddHHmmss` in China time, as `txnTime` and `payTimeout` are written. */
export function chinaStamp(ms: number): string {
  return new Date(ms + CHINA_OFFSET_MS).toISOString().replace(/\D/g, '').slice(0, 14);
}

/** The instant of a China-time `yyyyMMddHHmmss`, or undefined when it is not one. */
export function parseChinaStamp(text: string | undefined): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text ?? '');
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) - CHINA_OFFSET_MS;
  return chinaStamp(ms) === text ? new Date(ms) : undefined;
}



function signContent(fields: AcpMessage): string {
  return Object.keys(fields)
    .filter((key) => key !== 'signature' && fields[key] !== '')
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((key) => `${key}=${fields[key]}`)
    .join('&');
}

function contentDigestHex(fields: AcpMessage): string {
  return createHash('sha256').update(signContent(fields), 'utf8').digest('hex');
}

/**
 * Splits an answer body into fields: `&` separates fields outside braces, the first `=` separates
 * the name, and a value wrapped in `{}` loses its braces.
 */
export function parseAcpAnswer(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  const body = text.replace(/[\r\n]+$/, '');
  let depth = 0;
  let start = 0;
  const take = (end: number): void => {
    const part = body.slice(start, end);
    const eq = part.indexOf('=');
    if (eq > 0) {
      const value = part.slice(eq + 1);
      fields[part.slice(0, eq)] = value.startsWith('{') && value.endsWith('}') ? value.slice(1, -1) : value;
    }
  };
  for (let i = 0; i < body.length; i += 1) {
    const ch = body[i];
    if (ch === '{') depth += 1;
    else if (ch === '}') depth = Math.max(0, depth - 1);
    else if (ch === '&' && depth === 0) {
      take(i);
      start = i + 1;
    }
  }
  take(body.length);
  return fields;
}

function unavailable(message: string, cause?: unknown): HutongError {
  return hutongError('HUTONG_ERR_WALLET_UNAVAILABLE', message, cause === undefined ? undefined : { cause });
}

export function createUnionpayClient(options: UnionpayClientOptions): UnionpayClient {
  const merchantKey = privateKeyFrom(options.merchantPrivateKey);
  const platformKey = publicKeyFrom(options.platformPublicKey);
  const gateway = options.gateway.replace(/\/+$/, '');

  /** The key `signPubKeyCert` names, when it is the pinned one. */
  const pinnedSigningKey = (signPubKeyCert: string | undefined): KeyObject | undefined => {
    if (signPubKeyCert === undefined || signPubKeyCert === '') return undefined;
    try {
      if (signPubKeyCert.includes('-----BEGIN CERTIFICATE')) {
        const certificate = new X509Certificate(signPubKeyCert);
        const now = Date.now();
        if (Date.parse(certificate.validFrom) > now || Date.parse(certificate.validTo) < now) return undefined;
        return certificate.publicKey.equals(platformKey) ? platformKey : undefined;
      }
      return createPublicKey(signPubKeyCert).equals(platformKey) ? platformKey : undefined;
    } catch {
      return undefined;
    }
  };

  const verify = (message: AcpMessage): boolean => {
    const signature = message.signature;
    const key = pinnedSigningKey(message.signPubKeyCert);
    if (!key || typeof signature !== 'string' || signature === '') return false;
    try {
      return createVerify('RSA-SHA256').update(contentDigestHex(message), 'utf8').verify(key, signature, 'base64');
    } catch {
      return false;
    }
  };

  const signed = (fields: AcpMessage): Record<string, string> => {
    const all: Record<string, string> = {
      version: ACP_VERSION,
      encoding: 'UTF-8',
      signMethod: '01',
      accessType: '0',
      ...fields,
      merId: options.merId,
      certId: options.certId,
    };
    for (const key of Object.keys(all)) if (all[key] === '') delete all[key];
    all.signature = createSign('RSA-SHA256').update(contentDigestHex(all), 'utf8').sign(merchantKey, 'base64');
    return all;
  };

  /** One POST; transport failures, non-200 answers and unverified answers are `HUTONG_ERR_WALLET_UNAVAILABLE`. */
  const post = async (url: string, fields: AcpMessage, operation: string, signal: AbortSignal): Promise<AcpMessage> => {
    let status: number;
    let text: string;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
        body: new URLSearchParams(signed(fields)).toString(),
        redirect: 'error',
        signal,
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      if (signal.aborted) throw unavailable(`UnionPay did not answer ${operation} in time`, error);
      const code = (error as { cause?: { code?: unknown } })?.cause?.code;
      throw unavailable(`UnionPay could not be reached for ${operation}${typeof code === 'string' ? ` (${code})` : ''}`, error);
    }
    if (status !== 200) throw unavailable(`UnionPay answered ${operation} with HTTP ${status}`);
    const answer = parseAcpAnswer(text);
    if (!verify(answer)) throw unavailable(`UnionPay's answer to ${operation} is unsigned or its signature does not verify with the configured UnionPay key`);
    return answer;
  };

  return {
    merId: options.merId,
    backTrans: (fields, operation, signal) => post(`${gateway}/gateway/api/backTransReq.do`, fields, operation, signal),
    queryTrans: (fields, operation, signal) => post(`${gateway}/gateway/api/queryTrans.do`, fields, operation, signal),
    fileTrans: (fields, operation, signal) => post(options.fileTransUrl, fields, operation, signal),
    verify,
  };
}
