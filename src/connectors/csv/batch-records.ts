/**
 * Where the CSV connector keeps what it imported from a department's batch files, so that
 * citizens' queries are answered from the last import. Implemented over the store by
 * `src/store/batch-records.repository.ts`.
 */
export interface BatchRecordStore {
  /** Records of one type held under one identifier, as imported. */
  findRecords(cityId: string, departmentId: string, recordType: string, identifier: { kind: string; value: string }): Promise<unknown[]>;
}
