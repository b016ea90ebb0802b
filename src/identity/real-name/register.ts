/**
 * The national identity register the hub proves real names against (公民身份信息核查). One
 * implementation per register protocol; the hub holds one.
 *
 * @example
 *   const outcome = await register.check({ name: '张明', nationalId: '310000196002020025' }, { signal })
 *   if (outcome !== 'match') throw …
 */
export interface IdentityRegister {
  /** Shown in messages and the department health list, e.g. `national/public-security`. */
  readonly department: string;
  /**
   * Whether the name and the national id belong together: `match`; `mismatch` (the id is
   * someone else's name); `not-found` (nobody holds the id). Rejects with a `HutongError` when the
   * register cannot be asked (unreachable, timed out, refused the hub's licence).
   */
  check(person: { readonly name: string; readonly nationalId: string }, options: { readonly signal: AbortSignal }): Promise<'match' | 'mismatch' | 'not-found'>;
}
