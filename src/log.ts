import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

const PLATE_CHARS = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';
const PERSONAL_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/(?<![0-9])[1-9]\d{16}[\dXx](?![0-9])/g, '[national-id]'],
  [/(?<![0-9])(?:\+?86)?1[3-9]\d{9}(?![0-9])/g, '[phone]'],
  [new RegExp(`[${PLATE_CHARS}][A-Za-z][·•]?[A-Za-z0-9]{4,6}[A-Za-z0-9挂学警港澳]?`, 'gu'), '[plate]'],
];

/** Masks national ids, phone numbers and plates in free text, including percent-encoded URLs. */
export function maskPersonalData(text: string): string {
  let decoded = text;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    // not percent-encoded; mask as is
  }
  return PERSONAL_PATTERNS.reduce((acc, [pattern, label]) => acc.replace(pattern, label), decoded);
}

function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskPersonalData(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  if (value instanceof Error) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v, depth + 1)]));
}

/**
 * Logger options for the hub: secrets and tokens removed by path, and personal data (national
 * ids, phone numbers, plates) masked wherever it appears in a logged string, URLs included.
 */
export function hubLoggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', '*.accessToken', '*.password', '*.secret', '*.appKey', '*.code'],
      censor: '[redacted]',
    },
    serializers: {
      req: (req: { method: string; url: string; id?: string; ip?: string }) => ({ id: req.id, method: req.method, url: maskPersonalData(req.url) }),
      err: (err: Error) => maskDeep(pino.stdSerializers.err(err)) as Record<string, unknown>,
    },
    formatters: {
      log: (object) => maskDeep(object) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => maskDeep(a)) as Parameters<typeof method>);
      },
    },
  };
}

export function createHubLogger(level: string, destination?: DestinationStream): Logger {
  return destination ? pino(hubLoggerOptions(level), destination) : pino(hubLoggerOptions(level));
}
