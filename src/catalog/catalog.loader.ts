import path from 'node:path';
import { readdir, readFile } from 'node:fs/promises';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { INSTALLED_CONNECTORS } from '../connectors/registry.ts';
import { validateRegionCode } from '../model/identifiers.ts';
import { PLATE_PROVINCE_CHARS } from '../model/regions.ts';
import { CityConfig } from './catalog.schema.ts';
import '../model/formats.ts';

/** One problem in the catalog, pinned to its file, its path in the file, and its line when known. */
export interface CatalogProblem {
  readonly file: string;
  readonly path: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

export interface LoadedCityFile {
  readonly file: string;
  readonly dir: string;
  readonly config: CityConfig;
}

export type CatalogLoadResult =
  | { readonly ok: true; readonly cities: readonly LoadedCityFile[] }
  | { readonly ok: false; readonly problems: readonly CatalogProblem[] };

/** Thrown at start-up when the catalog has problems; the message lists every one. */
export class CatalogError extends Error {
  readonly problems: readonly CatalogProblem[];
  constructor(problems: readonly CatalogProblem[]) {
    super(`The city catalog has ${problems.length} problem(s):\n${problems.map(formatProblem).join('\n')}`);
    this.name = 'CatalogError';
    this.problems = problems;
  }
}

export function formatProblem(p: CatalogProblem): string {
  const relative = path.relative(process.cwd(), p.file);
  const file = relative.startsWith('..') ? p.file : relative;
  const where = p.line === undefined ? file : `${file}:${p.line}:${p.column ?? 1}`;
  return `${where} ${p.path || '(file)'}: ${p.message}`;
}

type PathSegment = string | number;

function dotted(segments: readonly PathSegment[]): string {
  return segments.reduce<string>((acc, s) => (typeof s === 'number' ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), '');
}

function pointerSegments(pointer: string): PathSegment[] {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

const VARIABLE = /\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g;

/** Replaces `${NAME}` and `${NAME:-default}` in every string; a missing variable is a problem at its path. */
function interpolate(value: unknown, vars: Readonly<Record<string, string | undefined>>, at: PathSegment[], missing: Array<{ path: PathSegment[]; name: string }>): unknown {
  if (typeof value === 'string') {
    return value.replace(VARIABLE, (whole, name: string, fallback: string | undefined) => {
      const found = vars[name] ?? fallback;
      if (found === undefined) {
        missing.push({ path: at, name });
        return whole;
      }
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, vars, [...at, i], missing));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, vars, [...at, k], missing)]));
  }
  return value;
}

function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

type Problem = { path: PathSegment[]; message: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Schema errors in plain words: a union of literals lists what it accepts. */
function schemaProblems(schema: TSchema, value: unknown, at: PathSegment[]): Problem[] {
  const errors = [...Value.Errors(schema, value)];
  // A missing property is one problem, not also "expected string" at the same path.
  const missing = new Set(errors.filter((e) => e.message === 'Expected required property').map((e) => e.path));
  return errors.filter((e) => !missing.has(e.path) || e.message === 'Expected required property').map((error) => {
    const options = (error.schema as { anyOf?: Array<{ const?: unknown }> }).anyOf;
    const literals = options?.every((o) => o.const !== undefined) ? options.map((o) => String(o.const)) : undefined;
    return { path: [...at, ...pointerSegments(error.path)], message: literals ? `must be one of: ${literals.join(', ')}` : error.message };
  });
}

/**
 * Checks one city file beyond its schema: ids, references, region code, zone, connector options.
 * It reads the raw file defensively, so these problems are reported alongside schema problems.
 */
async function semanticProblems(raw: unknown, fileBase: string, dir: string): Promise<Problem[]> {
  const problems: Problem[] = [];
  if (!isRecord(raw)) return problems;
  const cityId = typeof raw.id === 'string' ? raw.id : fileBase;
  if (typeof raw.id === 'string' && fileBase !== raw.id) problems.push({ path: ['id'], message: `the file must be named ${raw.id}.yaml after the city id` });
  // A code of the wrong shape is already a schema problem; here the province and structure are checked.
  if (typeof raw.regionCode === 'string' && /^\d{6}$/.test(raw.regionCode)) {
    const region = validateRegionCode(raw.regionCode);
    if (!region.ok) problems.push({ path: ['regionCode'], message: region.reason });
  }
  const timeZone = typeof raw.timeZone === 'string' && isValidTimeZone(raw.timeZone) ? raw.timeZone : 'UTC';
  if (typeof raw.timeZone === 'string' && !isValidTimeZone(raw.timeZone)) {
    problems.push({ path: ['timeZone'], message: `"${raw.timeZone}" is not an IANA time zone` });
  }
  if (typeof raw.platePrefix === 'string' && !PLATE_PROVINCE_CHARS.includes([...raw.platePrefix][0] ?? '')) {
    problems.push({ path: ['platePrefix'], message: 'must start with a province character used on plates' });
  }

  const departmentIds = new Set<string>();
  for (const [i, department] of (Array.isArray(raw.departments) ? raw.departments : []).entries()) {
    if (!isRecord(department) || typeof department.id !== 'string') continue;
    if (departmentIds.has(department.id)) problems.push({ path: ['departments', i, 'id'], message: `duplicate department id "${department.id}"` });
    departmentIds.add(department.id);
    const connector = isRecord(department.connector) ? department.connector : {};
    const definition = typeof connector.kind === 'string' ? INSTALLED_CONNECTORS.get(connector.kind) : undefined;
    if (!definition) continue; // a kind not installed yet is listed as unavailable, not refused
    const optionsPath: PathSegment[] = ['departments', i, 'connector', 'options'];
    const options = Value.Default(definition.optionsSchema, structuredClone(connector.options ?? {}));
    const optionProblems = schemaProblems(definition.optionsSchema, options, optionsPath);
    problems.push(...optionProblems);
    if (optionProblems.length === 0 && definition.validateOptions) {
      const context = { cityId, departmentId: department.id, timeZone, configDir: dir };
      for (const problem of await definition.validateOptions(options as never, context)) {
        problems.push({ path: [...optionsPath, ...problem.path.split('.')], message: problem.message });
      }
    }
  }

  const serviceIds = new Set<string>();
  for (const [i, service] of (Array.isArray(raw.services) ? raw.services : []).entries()) {
    if (!isRecord(service)) continue;
    if (typeof service.id === 'string') {
      if (serviceIds.has(service.id)) problems.push({ path: ['services', i, 'id'], message: `duplicate service id "${service.id}"` });
      serviceIds.add(service.id);
      if (typeof service.category === 'string' && !service.id.startsWith(`${service.category}.`)) {
        problems.push({ path: ['services', i, 'id'], message: `must start with its category "${service.category}."` });
      }
    }
    if (service.waitingRoom !== undefined && !(Array.isArray(service.kinds) && service.kinds.includes('booking'))) {
      problems.push({ path: ['services', i, 'waitingRoom'], message: 'only a service that takes bookings (kinds: booking) has a waiting room' });
    }
    for (const [j, departmentId] of (Array.isArray(service.departments) ? service.departments : []).entries()) {
      if (typeof departmentId === 'string' && !departmentIds.has(departmentId)) {
        problems.push({ path: ['services', i, 'departments', j], message: `no department "${departmentId}" in this city` });
      }
    }
  }
  return problems;
}

function locate(doc: Document, lineCounter: LineCounter, segments: readonly PathSegment[]): { line?: number; column?: number } {
  // Walk up until a node exists: a missing property is reported at its parent.
  for (let n = segments.length; n >= 0; n--) {
    const node = doc.getIn(segments.slice(0, n), true);
    if (isNode(node) && node.range) {
      const { line, col } = lineCounter.linePos(node.range[0]);
      return { line, column: col };
    }
  }
  return {};
}

/** Loads and checks one city file; returns its config or every problem found in it. */
export async function loadCityFile(
  file: string,
  vars: Readonly<Record<string, string | undefined>>,
): Promise<{ config?: CityConfig; problems: CatalogProblem[]; locate?: (segments: readonly PathSegment[]) => { line?: number; column?: number } }> {
  const text = await readFile(file, 'utf8');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { file, path: '', line: pos.line, column: pos.col, message: `YAML syntax: ${e.message.split('\n')[0]}` };
      }),
    };
  }
  const at = (segments: readonly PathSegment[], message: string): CatalogProblem => ({ file, path: dotted(segments), ...locate(doc, lineCounter, segments), message });
  const missing: Array<{ path: PathSegment[]; name: string }> = [];
  const raw = interpolate(doc.toJS(), vars, [], missing);
  const problems = missing.map((m) => at(m.path, `variable \${${m.name}} is not set and has no default`));
  const withDefaults = Value.Default(CityConfig, structuredClone(raw));
  const dir = path.dirname(file);
  const found = [
    ...schemaProblems(CityConfig, withDefaults, []),
    ...(await semanticProblems(withDefaults, path.basename(file).replace(/\.ya?ml$/, ''), dir)),
  ];
  problems.push(...found.map((p) => at(p.path, p.message)));
  return problems.length > 0 ? { problems } : { config: withDefaults as CityConfig, problems, locate: (segments) => locate(doc, lineCounter, segments) };
}

/**
 * Loads every `*.yaml` in a folder and checks all of it, collecting every problem rather than
 * stopping at the first, so one run of `hutong catalog validate` shows them all.
 *
 * @example
 *   const result = await loadCatalogDir('config/cities', process.env)
 *   if (!result.ok) for (const p of result.problems) console.error(formatProblem(p))
 */
export async function loadCatalogDir(dir: string, vars: Readonly<Record<string, string | undefined>>): Promise<CatalogLoadResult> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch (error) {
    return { ok: false, problems: [{ file: dir, path: '', message: `cannot read the catalog folder: ${(error as Error).message}` }] };
  }
  if (names.length === 0) return { ok: false, problems: [{ file: dir, path: '', message: 'no city YAML files in the folder' }] };

  const problems: CatalogProblem[] = [];
  const cities: LoadedCityFile[] = [];
  const cityFiles = new Map<string, string>();
  const regionFiles = new Map<string, string>();
  for (const name of names) {
    const file = path.join(dir, name);
    const loaded = await loadCityFile(file, vars);
    problems.push(...loaded.problems);
    if (!loaded.config) continue;
    const config = loaded.config;
    const clash = cityFiles.get(config.id);
    if (clash) problems.push({ file, path: 'id', ...loaded.locate?.(['id']), message: `city id "${config.id}" is also used by ${clash}` });
    const regionClash = regionFiles.get(config.regionCode);
    if (regionClash) problems.push({ file, path: 'regionCode', ...loaded.locate?.(['regionCode']), message: `region code ${config.regionCode} is also used by ${regionClash}` });
    cityFiles.set(config.id, file);
    regionFiles.set(config.regionCode, file);
    cities.push({ file, dir, config });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, cities };
}
