import { Type, type Static } from '@sinclair/typebox';
import { IdentifierKind, LiteralUnion } from '../../model/common.ts';

/** Record types a batch file may carry: each needs an `id`, the key a re-import upserts on. */
export const BATCH_RECORD_TYPES = ['Bill'] as const;

export const CsvTrailerOptions = Type.Object(
  {
    format: Type.String({
      minLength: 1,
      description:
        'the last line of every file, with placeholders the file is checked against: {rowCount} data rows, ' +
        '{amountSum} sum of trailer.amountField in yuan, {md5} lowercase hex MD5 of the bytes from after the header line up to the trailer; ' +
        'e.g. "TRAILER,{rowCount},{amountSum},{md5}"',
    }),
    amountField: Type.Optional(Type.String({ minLength: 1, description: 'the column (a key of `columns`) that {amountSum} adds up' })),
  },
  { additionalProperties: false },
);

/**
 * Payments taken back as a file, as utilities that deliver bill files take them: each payment is a
 * line of the day's payment file in the outbox, which the department collects.
 */
export const CsvPaymentOptions = Type.Object(
  {
    outbox: Type.String({ minLength: 1, description: 'folder the payment files are written to, for the department to collect' }),
    fileName: Type.String({
      minLength: 1,
      pattern: '^[^/\\\\]*\\{date\\}[^/\\\\]*$',
      description: 'name of a day\'s payment file; {date} is the payment\'s date (yyyyMMdd) in the city\'s zone, e.g. WATER_PAY_310000_{date}.csv',
    }),
    encoding: LiteralUnion(['gbk', 'utf8'], { default: 'gbk', description: 'how the file is encoded, as the department reads it' }),
    columns: Type.Array(
      Type.Object(
        {
          header: Type.String({ minLength: 1, description: 'the column\'s name in the header line' }),
          value: Type.String({
            minLength: 1,
            description:
              'JSONata over { recordType, recordId, identifier, identifierKind, amountFen, amountYuan, paymentReference, paidAt, paidAtLocal, wallet, cityId, departmentId }',
          }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, description: 'the columns of a payment line, in order' },
    ),
    referenceColumn: Type.String({ minLength: 1, description: 'the header of the column holding paymentReference; a reference already in the file is never written again' }),
    trailer: Type.Object(
      {
        format: Type.String({ minLength: 1, description: 'the last line of the file, with the placeholders of the bill files: {rowCount}, {amountSum}, {md5}' }),
        amountColumn: Type.Optional(Type.String({ minLength: 1, description: 'the header of the column {amountSum} adds up' })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type CsvPaymentOptions = Static<typeof CsvPaymentOptions>;

export const CsvOptions = Type.Object(
  {
    inbox: Type.String({ minLength: 1, description: 'folder the department drops its files into; a missing folder has no files yet' }),
    filePattern: Type.String({
      minLength: 1,
      default: '\\.csv$',
      description: 'regular expression a file name must match; names starting with "." or ending in .part, .tmp or .partial are never read',
    }),
    encoding: LiteralUnion(['gbk', 'utf8', 'auto'], { default: 'auto', description: 'auto: UTF-8 when the whole file is valid UTF-8 (with or without BOM), else GBK' }),
    delimiter: Type.String({ minLength: 1, maxLength: 1, default: ',' }),
    recordType: LiteralUnion(BATCH_RECORD_TYPES, { description: 'the standard record type every row maps to' }),
    columns: Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }), {
      minProperties: 1,
      description:
        'row field → header names the department has used for it; a row reaches the mapping as { field: value }. ' +
        'Names compare ignoring case, surrounding spaces and full-width forms; a header lacking a field fails the file.',
    }),
    trailer: CsvTrailerOptions,
    mapping: Type.String({ minLength: 1, description: 'path of a JSONata file mapping one row to a record; relative to the city YAML' }),
    identifierKind: IdentifierKind,
    identifierField: Type.String({ minLength: 1, default: 'accountNumber', description: 'field of the mapped record holding the identifier value' }),
    batchSize: Type.Integer({ minimum: 1, maximum: 5000, default: 1000, description: 'lines committed per transaction; an interrupted import resumes after the last one' }),
    archive: Type.Optional(Type.String({ minLength: 1, description: 'folder imported files are moved to; without it they stay in the inbox' })),
    holderCheck: Type.Optional(
      Type.Object(
        {
          nameField: Type.String({
            minLength: 1,
            description: "the column (a key of `columns`) with the holder's name, masked as 张*明 or in full; kept with each imported record",
          }),
        },
        {
          additionalProperties: false,
          description: 'confirm who holds an identifier from the imported rows: the holder name of every row under it must agree with the claimed name',
        },
      ),
    ),
    payments: Type.Optional(CsvPaymentOptions),
  },
  { additionalProperties: false },
);
export type CsvOptions = Static<typeof CsvOptions>;

export type TrailerCheck = 'rowCount' | 'amountSum' | 'md5';
const PLACEHOLDER_PATTERNS: Record<TrailerCheck, string> = {
  rowCount: '(\\d+)',
  amountSum: '(\\d+(?:\\.\\d{1,2})?)',
  md5: '([0-9A-Fa-f]{32})',
};

/** A trailer format compiled: the pattern a trailer line must match, and what each capture is. */
export interface TrailerTemplate {
  readonly format: string;
  readonly pattern: RegExp;
  readonly checks: readonly TrailerCheck[];
}

/**
 * Compiles `trailer.format`; throws a RangeError naming what is wrong with it.
 *
 * @example
 *   compileTrailerFormat('TRAILER,{rowCount},{amountSum},{md5}').pattern.exec('TRAILER,2,10.50,9e10…')
 */
export function compileTrailerFormat(format: string): TrailerTemplate {
  const checks: TrailerCheck[] = [];
  let source = '';
  let rest = format;
  for (let match = /\{([^}]*)\}/.exec(rest); match; match = /\{([^}]*)\}/.exec(rest)) {
    const name = match[1];
    if (!Object.hasOwn(PLACEHOLDER_PATTERNS, name)) throw new RangeError(`{${name}} is not a trailer placeholder; use {rowCount}, {amountSum} or {md5}`);
    if (checks.includes(name as TrailerCheck)) throw new RangeError(`{${name}} appears twice`);
    checks.push(name as TrailerCheck);
    source += rest.slice(0, match.index).replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + PLACEHOLDER_PATTERNS[name as TrailerCheck];
    rest = rest.slice(match.index + match[0].length);
  }
  source += rest.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (checks.length === 0) throw new RangeError('names nothing to check; use {rowCount}, {amountSum} or {md5}');
  return { format, pattern: new RegExp(`^${source}$`), checks };
}
