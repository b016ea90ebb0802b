/**
 * The holder names a batch file prints beside its rows (户名, masked as 张*明 or in full), kept with
 * each imported record so that the department's rows can confirm who holds an identifier.
 */

/**
 * Where an imported record keeps its row's holder name. A namespaced key can never be a field of a
 * standard record, and is taken off again before a record leaves the connector.
 */
const HOLDER_NAME_KEY = 'hutong:holderName';

/** Stars departments print in place of a character: ASCII and full-width. */
const MASK_CHARS: ReadonlySet<string> = new Set(['*', '＊']);

/** The record as stored: the mapped record, with the row's holder name when it has one. */
export function withHolderName(record: unknown, holderName: string | undefined): unknown {
  if (holderName === undefined || record === null || typeof record !== 'object') return record;
  return { ...(record as Record<string, unknown>), [HOLDER_NAME_KEY]: holderName };
}

/** The standard record, without the holder name kept beside it. */
export function withoutHolderName(record: unknown): unknown {
  if (record === null || typeof record !== 'object' || !Object.hasOwn(record, HOLDER_NAME_KEY)) return record;
  const { [HOLDER_NAME_KEY]: _holderName, ...standard } = record as Record<string, unknown>;
  return standard;
}

/** The holder name kept with a stored record, if any. */
export function holderNameOf(record: unknown): string | undefined {
  if (record === null || typeof record !== 'object') return undefined;
  const name = (record as Record<string, unknown>)[HOLDER_NAME_KEY];
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/**
 * Whether a name as the department printed it can be the claimed name: the same number of
 * characters, and every character the department did not mask equal to the claimed one.
 *
 * @example
 *   printedNameAgrees('张*明', '张小明') // true
 *   printedNameAgrees('张*明', '张明')   // false: three characters printed, two claimed
 */
export function printedNameAgrees(printed: string, claimed: string): boolean {
  const shown = Array.from(printed.trim());
  const name = Array.from(claimed.trim());
  return shown.length === name.length && shown.every((char, i) => MASK_CHARS.has(char) || char === name[i]);
}
