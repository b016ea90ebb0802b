import path from 'node:path';
import { readFile } from 'node:fs/promises';
import jsonata from 'jsonata';
import { yuanStringToFen } from '../model/identifiers.ts';

/** A compiled JSONata mapping with the hub's helper functions bound. */
export interface Mapping {
  readonly source: string;
  evaluate(input: unknown, bindings?: Record<string, unknown>): Promise<unknown>;
}

/** A wall-clock "yyyy-MM-dd HH:mm:ss" in a fixed offset (e.g. "+08:00") as RFC 3339. */
export function localToRfc3339(local: string, offset: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local.trim());
  if (!match) throw new RangeError(`"${local}" is not a local date-time`);
  const [, y, mo, d, h, mi, s] = match;
  return `${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${offset}`;
}

/** Traffic-police plate-type code (GA 24.7): 02 small, 01 large, 52 small new-energy, 51 large new-energy. */
export function plateTypeCode(plate: string): string {
  const chars = [...plate];
  if (chars.length === 8) return /[0-9]/.test(chars[2]) ? '51' : '52';
  return '02';
}

// Building a DateTimeFormat costs far more than using one.
const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** Offset of an IANA zone at an instant, as "+08:00". */
export function zoneOffset(timeZone: string, at: Date = new Date()): string {
  let format = offsetFormats.get(timeZone);
  if (!format) offsetFormats.set(timeZone, (format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })));
  const name = format
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName')?.value;
  const offset = name?.replace('GMT', '') ?? '';
  return offset === '' ? '+00:00' : offset;
}

/**
 * Compiles a JSONata expression with the helpers every mapping may call:
 * `$yuanToFen(s)`, `$localTime(s)` (department local time → RFC 3339 in the city's zone),
 * `$plateTypeCode(plate)`.
 *
 * @example
 *   const m = compileMapping('{ "fineFen": $yuanToFen(FKJE) }', { timeZone: 'Asia/Shanghai' })
 *   await m.evaluate({ FKJE: '200.00' }) // { fineFen: 20000 }
 */
export function compileMapping(source: string, options: { timeZone: string }): Mapping {
  // Cities share mapping files: one compiled expression per text and zone serves them all.
  const key = `${options.timeZone}\u0000${source}`;
  let mapping = compiledMappings.get(key);
  if (!mapping) compiledMappings.set(key, (mapping = compile(source, options.timeZone)));
  return mapping;
}

const compiledMappings = new Map<string, Mapping>();

function compile(source: string, timeZone: string): Mapping {
  const expression = jsonata(source);
  const offset = zoneOffset(timeZone);
  expression.registerFunction('yuanToFen', (v: string | number) => yuanStringToFen(String(v)), '<(sn):n>');
  expression.registerFunction('localTime', (v: string) => localToRfc3339(v, offset), '<s:s>');
  expression.registerFunction('plateTypeCode', (v: string) => plateTypeCode(v), '<s:s>');
  return {
    source,
    evaluate: (input, bindings) => expression.evaluate(input, bindings),
  };
}

/** Reads and compiles a mapping file. */
export async function loadMappingFile(file: string, options: { timeZone: string }): Promise<Mapping> {
  return compileMapping(await readFile(file, 'utf8'), options);
}

/** A mapping file named in a city YAML, resolved against the YAML's folder. */
export function resolveMappingFile(configDir: string, file: string): string {
  return path.resolve(configDir, file);
}
