import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';

export interface LinkRow {
  readonly code: string;
  readonly cityId: string;
  readonly serviceId: string;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  /** Set on a "pay for me" link: the payable it lets anyone pay. */
  readonly payableId: string | null;
}

/** Links (`/l/{code}`) and what they point at. */
export class LinkRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores a link; false when the code is taken (the caller draws another). */
  async create(input: { code: string; cityId: string; serviceId: string; createdBy: string; createdChannel: string; expiresAt: Date | null; payableId?: string }): Promise<boolean> {
    const row = await this.db
      .insertInto('links')
      .values({
        code: input.code,
        city_id: input.cityId,
        service_id: input.serviceId,
        created_by: input.createdBy,
        created_channel: input.createdChannel,
        expires_at: input.expiresAt,
        payable_id: input.payableId ?? null,
      })
      .onConflict((oc) => oc.column('code').doNothing())
      .returning('code')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The link behind a code, counting the opening; undefined when unknown or expired. */
  async open(code: string): Promise<LinkRow | undefined> {
    return this.db
      .updateTable('links')
      .set((eb) => ({ opened: eb('opened', '+', 1) }))
      .where('code', '=', code)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', new Date())]))
      .returning(['code', 'city_id as cityId', 'service_id as serviceId', 'created_at as createdAt', 'expires_at as expiresAt', 'payable_id as payableId'])
      .executeTakeFirst();
  }

  async find(code: string): Promise<LinkRow | undefined> {
    return this.db
      .selectFrom('links')
      .select(['code', 'city_id as cityId', 'service_id as serviceId', 'created_at as createdAt', 'expires_at as expiresAt', 'payable_id as payableId'])
      .where('code', '=', code)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', new Date())]))
      .executeTakeFirst();
  }
}
