import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

const PLATE_CHARS = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';
const PERSONAL_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/(?<![0-9])[1-9]\d{16}[\dXx](?![0-9])/g, '[national-id]'],
  [/(?<![0-9])(?:\+?86)?1[3-9]\d{9}(?![0-9])/g, '[phone]'],
  [new RegExp(`[${PLATE_CHARS}][A-Za-z][·•]?[A-Za-z0-9]{4,6}[A-Za-z0-9挂学警港澳]?`, 'gu'), '[plate]'],
];

/** Masks national ids, phone numbers and plates in free text, including percent-encoded URLs. */
export function maskPersonalData(text: string): string {
  // Decode each run of %XX on its own, so one stray "%" elsewhere cannot leave an encoded plate unmasked.
  const decoded = text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run; // not valid UTF-8; mask as is
    }
  });
  return PERSONAL_PATTERNS.reduce((acc, [pattern, label]) => acc.replace(pattern, label), decoded);
}

const SERIALIZED_KEYS: ReadonlySet<string> = new Set(['req', 'res']);

function isPlainObject(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskPersonalData(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  if (value instanceof Error) return value;
  // A framework's request/reply object (e.g. Fastify's, whose url and method are prototype getters) is left
  // whole for the req/res serializers, which keep only masked fields; copying it here would lose them.
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, depth === 0 && SERIALIZED_KEYS.has(k) && !isPlainObject(v) ? v : maskDeep(v, depth + 1)]),
  );
}

/**
 * Logger options for the hub: secrets and tokens removed by path, and personal data (national
 * ids, phone numbers, plates) masked wherever it appears in a logged string, URLs included.
 */
export function hubLoggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        '*.headers.authorization',
        'res.headers["set-cookie"]',
        'accessToken',
        '*.accessToken',
        'refreshToken',
        '*.refreshToken',
        '*.license',
        'realName',
        '*.realName',
        '*.password',
        '*.secret',
        '*.appKey',
        // Fields named for personal data, wherever they sit (child-logger bindings included).
        'plate',
        'phone',
        'nationalId',
        '*.plate',
        '*.phone',
        '*.nationalId',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req: (req: { method: string; url: string; id?: string; ip?: string }) => ({ id: req.id, method: req.method, url: maskPersonalData(String(req.url)) }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      err: (err: Error) => maskDeep(pino.stdSerializers.err(err)) as Record<string, unknown>,
    },
    formatters: {
      log: (object) => maskDeep(object) as Record<string, unknown>,
    },
    hooks: {
      // Only the message strings here: objects are masked by `formatters.log`, after serializers ran.
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? maskPersonalData(a) : a)) as Parameters<typeof method>);
      },
    },
  };
}

export function createHubLogger(level: string, destination?: DestinationStream): Logger {
  return destination ? pino(hubLoggerOptions(level), destination) : pino(hubLoggerOptions(level));
}
