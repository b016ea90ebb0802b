import type { Kysely } from 'kysely';
import { hutongError } from '../../errors.ts';
import type { Database } from '../../store/schema.ts';
import { PartnerKeyError, rawEd25519PublicKey, type Ed25519PublicKeyInput } from './partner.keys.ts';

export type PartnerAppStatus = 'active' | 'revoked';

/** A registered partner app; its id is the `keyid` of its signatures. */
export interface PartnerApp {
  readonly id: string;
  readonly name: string;
  /** Raw Ed25519 public key, base64url (a JWK's `x`). */
  readonly publicKey: string;
  readonly status: PartnerAppStatus;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

/** Same rule as the table's check: a lower-case slug, so `${partnerId}:${userId}` splits unambiguously. */
export const PARTNER_ID_PATTERN = /^[a-z][a-z0-9-]{1,62}$/;

const COLUMNS = ['id', 'name', 'public_key as publicKey', 'status', 'created_at as createdAt', 'revoked_at as revokedAt'] as const;

/** The partner app registry and the nonces their signatures have used. */
export class PartnerAppRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Registers an app with its Ed25519 public key (raw base64url, JWK, or PEM). `created` is false
   * when the id is already taken; the existing app is returned unchanged.
   *
   * @example
   *   await partners.register({ id: 'metro-app', name: '地铁 App', publicKey: jwk })
   */
  async register(input: { id: string; name: string; publicKey: Ed25519PublicKeyInput }): Promise<{ app: PartnerApp; created: boolean }> {
    if (!PARTNER_ID_PATTERN.test(input.id)) throw hutongError('HUTONG_ERR_VALIDATION', `Partner id "${input.id}" must be a lower-case slug (a-z, 0-9, -; 2 to 63 characters)`);
    const name = input.name.trim();
    if (name.length === 0 || name.length > 100) throw hutongError('HUTONG_ERR_VALIDATION', 'Partner name must have 1 to 100 characters');
    let publicKey: string;
    try {
      publicKey = rawEd25519PublicKey(input.publicKey);
    } catch (error) {
      if (error instanceof PartnerKeyError) throw hutongError('HUTONG_ERR_VALIDATION', error.message);
      throw error;
    }
    const inserted = await this.db
      .insertInto('partner_apps')
      .values({ id: input.id, name, public_key: publicKey })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning(COLUMNS)
      .executeTakeFirst();
    if (inserted) return { app: inserted, created: true };
    const existing = await this.get(input.id);
    if (!existing) throw new Error(`Partner app ${input.id} neither inserted nor found`);
    return { app: existing, created: false };
  }

  async get(id: string): Promise<PartnerApp | undefined> {
    return this.db.selectFrom('partner_apps').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  }

  /** Revokes an app: its signatures are refused from now on. False when there is no such active app. */
  async revoke(id: string): Promise<boolean> {
    const result = await this.db
      .updateTable('partner_apps')
      .set({ status: 'revoked', revoked_at: new Date() })
      .where('id', '=', id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * Records a nonce until `expiresAt`; false when the partner already used it and it has not
   * expired. Expired nonces (of every partner) are pruned first. `now` is the verifier's clock.
   */
  async rememberNonce(partnerId: string, nonce: string, expiresAt: Date, now: Date = new Date()): Promise<boolean> {
    await this.db.deleteFrom('partner_nonces').where('expires_at', '<=', now).execute();
    const inserted = await this.db
      .insertInto('partner_nonces')
      .values({ partner_id: partnerId, nonce, expires_at: expiresAt })
      .onConflict((oc) => oc.columns(['partner_id', 'nonce']).doNothing())
      .returning('nonce')
      .executeTakeFirst();
    return inserted !== undefined;
  }
}
