/**
 * Mapping rows of a batch file to standard records: the department's JSONata mapping, then the
 * record schema. It runs in a worker thread, so that a 100 000-row file's JSONata work (hundreds of
 * promises per row) neither competes with the hub's requests on the main thread nor waits for the
 * store: the main thread parses and commits while the worker maps.
 */
import { Worker } from 'node:worker_threads';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import '../../model/formats.ts';
import { Bill } from '../../model/records.ts';
import { loadMappingFile } from '../mapping.ts';
import type { BATCH_RECORD_TYPES } from './csv.options.ts';

export type BatchRecordType = (typeof BATCH_RECORD_TYPES)[number];

const RECORD_SCHEMAS: Record<BatchRecordType, TSchema> = { Bill };

/** What the worker needs to map rows of one department's files. */
export interface MapperSpec {
  readonly mappingFile: string;
  readonly timeZone: string;
  readonly recordType: BatchRecordType;
  /** Field of the mapped record that holds the identifier value. */
  readonly identifierField: string;
  /** Variables the mapping sees: `$cityId`, `$departmentId`. */
  readonly bindings: Readonly<Record<string, string>>;
  /** Row field holding the holder's name, passed on beside the record when holder checks are configured. */
  readonly holderNameField?: string;
}

export interface RowInput {
  readonly line: number;
  readonly row: Readonly<Record<string, string>>;
}

export type MappedRow =
  | {
      readonly line: number;
      readonly recordId: string;
      readonly identifierValue: string;
      readonly record: unknown;
      /** The row's holder name, when the spec names its field and the row has one. */
      readonly holderName?: string;
      readonly reason?: undefined;
    }
  | { readonly line: number; readonly reason: string };

/** The mapping could not be loaded or the worker stopped; no row of the batch was mapped. */
export class MapperUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MapperUnavailableError';
  }
}

function messageOf(error: unknown): string {
  return String((error as { message?: unknown })?.message ?? error);
}

/** Loads the mapping and returns the function that maps a batch; what the worker runs. */
export async function createBatchMapping(spec: MapperSpec): Promise<(rows: readonly RowInput[]) => Promise<MappedRow[]>> {
  const mapping = await loadMappingFile(spec.mappingFile, spec);
  const schema = RECORD_SCHEMAS[spec.recordType];
  const mapOne = async ({ line, row }: RowInput): Promise<MappedRow> => {
    let record: unknown;
    try {
      record = await mapping.evaluate(row, { ...spec.bindings, line });
    } catch (error) {
      const token = (error as { token?: unknown }).token;
      return { line, reason: `the mapping failed${typeof token === 'string' ? ` at $${token}` : ''}: ${messageOf(error)}` };
    }
    if (record === null || typeof record !== 'object' || Array.isArray(record)) return { line, reason: 'the mapping produced no record' };
    if (!Value.Check(schema, record)) {
      const errors = [...Value.Errors(schema, record)].slice(0, 3).map((e) => `${e.path || '/'} ${e.message}`);
      return { line, reason: `not a valid ${spec.recordType}: ${errors.join('; ')}` };
    }
    const fields = record as Record<string, unknown>;
    const identifierValue = fields[spec.identifierField];
    if (typeof identifierValue !== 'string' || identifierValue === '') return { line, reason: `the mapped record has no ${spec.identifierField}` };
    const holderName = spec.holderNameField === undefined ? '' : (row[spec.holderNameField] ?? '').trim();
    // JSONata builds null-prototype objects; the record leaves as plain data.
    return { line, recordId: String(fields.id), identifierValue, record: { ...fields }, ...(holderName === '' ? {} : { holderName }) };
  };
  return async (rows) => {
    const mapped: MappedRow[] = [];
    for (const row of rows) mapped.push(await mapOne(row));
    return mapped;
  };
}

/** Maps batches of rows in a worker thread; batches are answered in the order they were sent. */
export interface RowMapper {
  map(rows: readonly RowInput[]): Promise<MappedRow[]>;
  close(): Promise<void>;
}

/**
 * Maps in this thread: for a file small enough that starting a worker (and its TypeScript loader,
 * about a second) costs more than mapping it.
 */
export function inProcessRowMapper(spec: MapperSpec): RowMapper {
  const mapping = createBatchMapping(spec);
  mapping.catch(() => {}); // reported by the first map
  return {
    async map(rows) {
      let mapBatch: Awaited<typeof mapping>;
      try {
        mapBatch = await mapping;
      } catch (error) {
        throw new MapperUnavailableError(`the mapping ${spec.mappingFile} cannot be loaded: ${messageOf(error)}`, { cause: error });
      }
      return mapBatch(rows);
    },
    async close() {},
  };
}

const WORKER_ENTRY = new URL('./csv.mapper.worker.ts', import.meta.url);

/** Workers do not inherit the TypeScript loader the hub runs under, so a `.ts` worker registers tsx first. */
function workerScript(): { source: string | URL; eval: boolean } {
  if (!WORKER_ENTRY.pathname.endsWith('.ts')) return { source: WORKER_ENTRY, eval: false };
  const tsx = import.meta.resolve('tsx/esm/api');
  return { source: `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(WORKER_ENTRY.href)}); });`, eval: true };
}

type WorkerAnswer = { id: number; results: MappedRow[] } | { id: number; error: string };

/**
 * Starts a worker for one synchronization. The caller closes it; a mapping that cannot be loaded
 * rejects every `map` with a {@link MapperUnavailableError}.
 *
 * @example
 *   const mapper = startRowMapper(spec)
 *   try { const mapped = await mapper.map([{ line: 2, row }]) } finally { await mapper.close() }
 */
export function startRowMapper(spec: MapperSpec): RowMapper {
  const script = workerScript();
  const worker = new Worker(script.source, { eval: script.eval, workerData: spec });
  const pending = new Map<number, { resolve: (results: MappedRow[]) => void; reject: (error: Error) => void }>();
  let failure: MapperUnavailableError | undefined;
  let closed = false;
  let nextId = 0;
  const fail = (error: MapperUnavailableError): void => {
    failure ??= error;
    for (const { reject } of pending.values()) reject(failure);
    pending.clear();
  };
  worker.on('message', (answer: WorkerAnswer) => {
    const waiting = pending.get(answer.id);
    pending.delete(answer.id);
    if ('error' in answer) waiting?.reject(new MapperUnavailableError(answer.error));
    else waiting?.resolve(answer.results);
  });
  worker.on('error', (error) => fail(new MapperUnavailableError(`the mapping ${spec.mappingFile} cannot be loaded: ${messageOf(error)}`, { cause: error })));
  worker.on('exit', (code) => {
    if (!closed) fail(new MapperUnavailableError(`the mapping worker stopped (exit code ${code})`));
  });
  return {
    map(rows) {
      if (failure) return Promise.reject(failure);
      return new Promise<MappedRow[]>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, rows });
      });
    },
    async close() {
      closed = true;
      fail(new MapperUnavailableError('the mapping worker was closed'));
      await worker.terminate();
    },
  };
}
