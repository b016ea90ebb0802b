/** The worker thread of {@link startRowMapper}: loads the mapping once, then maps each batch it is sent. */
import { parentPort, workerData } from 'node:worker_threads';
import { createBatchMapping, type MapperSpec, type RowInput } from './csv.mapper.ts';

const port = parentPort!;
const mapping = createBatchMapping(workerData as MapperSpec);

port.on('message', async ({ id, rows }: { id: number; rows: RowInput[] }) => {
  let mapBatch: Awaited<typeof mapping>;
  try {
    mapBatch = await mapping;
  } catch {
    return; // the failed load below ends the worker, and the main thread reports it
  }
  try {
    port.postMessage({ id, results: await mapBatch(rows) });
  } catch (error) {
    port.postMessage({ id, error: String((error as Error)?.message ?? error) });
  }
});

// A mapping that cannot be loaded fails the worker; its error event tells the main thread why.
await mapping;
