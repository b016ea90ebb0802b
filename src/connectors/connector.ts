import type { TSchema, Static } from '@sinclair/typebox';
import type { RecordType } from '../model/catalog.ts';
import type { IdentifierKind } from '../model/common.ts';

/** Where a connector runs: which city and department it speaks for, and where its files are. */
export interface ConnectorContext {
  readonly cityId: string;
  readonly departmentId: string;
  /** IANA zone of the city; department-local times are read in it. */
  readonly timeZone: string;
  /** Folder of the city YAML, against which relative mapping paths resolve. */
  readonly configDir: string;
}

/** What the hub asks a department for: the records of one type held under one identifier. */
export interface RecordQuery {
  readonly recordType: RecordType;
  readonly identifier: { readonly kind: IdentifierKind; readonly value: string };
}

export interface CallOptions {
  /** Aborted when the hub's deadline for this call passes; implementations pass it to the wire. */
  readonly signal: AbortSignal;
}

/**
 * One department system, reached in its own protocol and answered in the standard model.
 *
 * @example
 *   const violations = await connector.fetchRecords(
 *     { recordType: 'TrafficViolation', identifier: { kind: 'plate', value: '沪A12345' } },
 *     { signal: AbortSignal.timeout(2000) },
 *   )
 */
export interface Connector {
  readonly kind: string;
  /** Record types this department's configuration maps; asking for another one is a caller error. */
  readonly recordTypes: ReadonlySet<RecordType>;
  /**
   * Fetches every record of `query.recordType` for the identifier, following the department's
   * paging, and maps each to the standard model. Rejects with a `HutongError` whose code says
   * whether the department faulted, timed out, was unreachable or answered something unmappable.
   */
  fetchRecords(query: RecordQuery, options: CallOptions): Promise<unknown[]>;
  /** Releases sockets or clients the connector holds. */
  close?(): Promise<void>;
}

/**
 * A kind of connector (`soap`, `rest`, …): its options schema and a factory. A new department of
 * an installed kind needs only YAML and a mapping file.
 *
 * @example
 *   export const soapConnector = defineConnector({ kind: 'soap', optionsSchema: SoapOptions, create })
 */
export interface ConnectorDefinition<S extends TSchema = TSchema> {
  readonly kind: string;
  readonly optionsSchema: S;
  /** Checks that need the file system (mapping files exist and compile); returns problems by option path. */
  validateOptions?(options: Static<S>, context: ConnectorContext): Promise<Array<{ path: string; message: string }>>;
  create(options: Static<S>, context: ConnectorContext): Connector;
}

export function defineConnector<S extends TSchema>(definition: ConnectorDefinition<S>): ConnectorDefinition<S> {
  return Object.freeze(definition);
}
