import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isMap, isSeq, parseDocument } from 'yaml';

/** Waiting-room settings a test gives the services that have a room in the city files, or 'off' to take their rooms away. */
export type WaitingRoomsSetting = 'off' | { readonly admitPerSecond: number; readonly burst: number; readonly admittedForSeconds?: number };

export interface CatalogCopy {
  /** The copied city files' folder, for `catalogDir` or `HUTONG_CONFIG`. */
  readonly dir: string;
  remove(): Promise<void>;
}

/**
 * The city files of `config/cities` copied to a temporary folder, with the waiting room of every
 * service that has one replaced (or removed). The mapping files stay where they are: the copy's
 * `../mappings` leads to them.
 */
export async function catalogWithWaitingRooms(setting: WaitingRoomsSetting): Promise<CatalogCopy> {
  const source = path.resolve('config/cities');
  const root = await mkdtemp(path.join(tmpdir(), 'hutong-catalog-'));
  const dir = path.join(root, 'cities');
  await mkdir(dir);
  await symlink(path.resolve('config/mappings'), path.join(root, 'mappings'), 'dir');
  for (const name of (await readdir(source)).filter((n) => /\.ya?ml$/.test(n))) {
    const doc = parseDocument(await readFile(path.join(source, name), 'utf8'));
    const services = doc.get('services');
    if (isSeq(services)) {
      for (const service of services.items) {
        if (!isMap(service) || !service.has('waitingRoom')) continue;
        if (setting === 'off') service.delete('waitingRoom');
        else service.set('waitingRoom', doc.createNode({ admittedForSeconds: 120, ...setting }, { flow: true }));
      }
    }
    await writeFile(path.join(dir, name), doc.toString());
  }
  return { dir, remove: () => rm(root, { recursive: true, force: true }) };
}
