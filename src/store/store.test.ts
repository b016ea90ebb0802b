import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testEngines } from '../../test/helpers/stores.ts';
import { migrateToLatest, pendingMigrations, pingStore, type Store } from './db.ts';
import { migrationProvider } from './migrations/index.ts';
import { CitizenRepository } from '../identity/citizen.repository.ts';
import { SessionRepository } from '../identity/session.repository.ts';
import { AuditRepository } from '../audit/audit.repository.ts';

for (const engine of testEngines()) {
  describe(`store on ${engine.name}`, () => {
    let store: Store;
    let citizens: CitizenRepository;
    let sessions: SessionRepository;

    before(async () => {
      store = await engine.open();
      const all = Object.keys(await migrationProvider.getMigrations()).sort();
      assert.ok(all.length >= 2);
      assert.deepEqual(await pendingMigrations(store), all, 'a fresh store has every migration pending');
      await migrateToLatest(store);
      citizens = new CitizenRepository(store.db);
      sessions = new SessionRepository(store.db);
    });
    after(() => store.close());

    it('applies migrations once and reports none pending', async () => {
      assert.deepEqual(await pendingMigrations(store), []);
      const again = await migrateToLatest(store);
      assert.deepEqual(again.results, []);
      await pingStore(store);
      assert.equal(store.engine, engine.name);
    });

    it('creates one citizen per channel user, even when first logins race', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, () => citizens.findOrCreateByChannelUser('web', '13900000001')));
      const ids = new Set(results.map((r) => r.citizenId));
      assert.equal(ids.size, 1);
      const again = await citizens.findOrCreateByChannelUser('web', '13900000001');
      assert.equal(again.created, false);
      assert.equal(again.citizenId, results[0].citizenId);
      const other = await citizens.findOrCreateByChannelUser('web', '13900000002');
      assert.notEqual(other.citizenId, again.citizenId);
    });

    it('links an identifier to one holder only, and unlinks only the holder\'s own', async () => {
      const a = (await citizens.findOrCreateByChannelUser('web', '13900000011')).citizenId;
      const b = (await citizens.findOrCreateByChannelUser('web', '13900000012')).citizenId;
      const link = { kind: 'plate', value: '沪A12345', consentChannel: 'web', consentTextVersion: 'v1', verifiedBy: 'shanghai/vehicle-administration' };
      const first = await citizens.linkIdentifier({ citizenId: a, ...link });
      assert.ok('identifier' in first && first.created);
      const repeat = await citizens.linkIdentifier({ citizenId: a, ...link });
      assert.ok('identifier' in repeat && !repeat.created && repeat.identifier.id === first.identifier.id);
      assert.deepEqual(await citizens.linkIdentifier({ citizenId: b, ...link }), { heldByOther: true });
      // The same number issued by two departments is two identifiers; one department's number has one holder.
      const water = { kind: 'utility-account', value: '3100000001', consentChannel: 'web', consentTextVersion: 'v1', verifiedBy: 'shanghai/water-company' };
      const aWater = await citizens.linkIdentifier({ citizenId: a, ...water, issuer: 'shanghai/water-company' });
      const bGas = await citizens.linkIdentifier({ citizenId: b, ...water, issuer: 'shanghai/gas-company' });
      assert.ok('identifier' in aWater && aWater.created && 'identifier' in bGas && bGas.created);
      assert.deepEqual(await citizens.linkIdentifier({ citizenId: b, ...water, issuer: 'shanghai/water-company' }), { heldByOther: true });
      assert.equal((await citizens.findIdentifier(a, 'utility-account', '3100000001', 'shanghai/water-company'))?.issuer, 'shanghai/water-company');
      assert.equal(await citizens.findIdentifier(a, 'utility-account', '3100000001'), undefined, 'an issued identifier is found with its issuer');
      assert.equal(await citizens.findIdentifier(b, 'plate', '沪A12345'), undefined);
      assert.equal(await citizens.unlinkIdentifier(b, first.identifier.id), false, 'b cannot remove a\'s plate');
      assert.equal((await citizens.listIdentifiers(a, 'plate')).length, 1);
      assert.equal(await citizens.unlinkIdentifier(a, first.identifier.id), true);
      assert.deepEqual((await citizens.listIdentifiers(a)).map((i) => i.kind), ['utility-account']);
    });

    it('binds a real name once per national id; a second entrance proving it joins the first citizen', async () => {
      const nationalId = '310000196002020022';
      const first = (await citizens.findOrCreateByChannelUser('alipay', '2088000000000101')).citizenId;
      const second = (await citizens.findOrCreateByChannelUser('wechat', 'o-person-101')).citizenId;
      const bind = { name: '张明', nationalId, verifiedBy: 'national/public-security', consentTextVersion: 'v1' };
      const plate = await citizens.linkIdentifier({ citizenId: first, kind: 'plate', value: '沪AD0101', consentChannel: 'alipay', consentTextVersion: 'v1', verifiedBy: 'shanghai/vehicle-administration' });
      assert.ok('identifier' in plate);
      assert.deepEqual(await citizens.bindRealName({ citizenId: first, consentChannel: 'alipay', ...bind }), { citizenId: first, joined: false });
      const sessionOfSecond = await sessions.createSession({ citizenId: second, channel: 'wechat', expiresAt: new Date(Date.now() + 60_000) });
      assert.deepEqual(await citizens.bindRealName({ citizenId: second, consentChannel: 'wechat', ...bind }), { citizenId: first, joined: true });
      assert.deepEqual((await citizens.listIdentities(first)).map((i) => i.channel).sort(), ['alipay', 'wechat']);
      assert.equal((await citizens.findOrCreateByChannelUser('wechat', 'o-person-101')).citizenId, first, 'the WeChat user is now the first citizen');
      assert.equal(await citizens.findCitizen(second), undefined, 'the joined citizen is gone');
      assert.equal(await sessions.findActiveSession(sessionOfSecond), undefined, 'and its sessions with it');
      assert.equal((await citizens.findRealName(first))?.nationalId, nationalId);
      // Concurrent bindings of a new id by two fresh citizens: one holds it, the other joins.
      const [x, y] = await Promise.all([citizens.findOrCreateByChannelUser('weibo', 'u-1'), citizens.findOrCreateByChannelUser('taobao', 't-1')]);
      const other = { ...bind, nationalId: '110000199001011235', name: '李华' };
      const outcomes = await Promise.all([
        citizens.bindRealName({ citizenId: x.citizenId, consentChannel: 'weibo', ...other }),
        citizens.bindRealName({ citizenId: y.citizenId, consentChannel: 'taobao', ...other }),
      ]);
      assert.equal(outcomes[0].citizenId, outcomes[1].citizenId);
      assert.deepEqual(outcomes.map((o) => o.joined).sort(), [false, true]);
      const failed = { citizenId: first, subjectHash: 'h1', outcome: 'mismatch' as const };
      await citizens.recordRealNameCheck(failed);
      await citizens.recordRealNameCheck({ ...failed, outcome: 'match' });
      assert.equal(await citizens.countFailedRealNameChecks({ citizenId: first }, new Date(Date.now() - 60_000)), 1);
      assert.equal(await citizens.countFailedRealNameChecks({ subjectHash: 'h1' }, new Date(Date.now() - 60_000)), 1);
    });

    it('consumes a login code once and counts attempts', async () => {
      await sessions.createLoginCode({ channel: 'web', subject: '13900000021', codeHash: 'h', expiresAt: new Date(Date.now() + 60_000) });
      const code = await sessions.latestActiveLoginCode('web', '13900000021');
      assert.ok(code);
      assert.equal(await sessions.countLoginAttempt(code.id), 1);
      assert.equal(await sessions.countLoginAttempt(code.id), 2);
      const consumed = await Promise.all([sessions.consumeLoginCode(code.id), sessions.consumeLoginCode(code.id)]);
      assert.deepEqual(consumed.sort(), [false, true]);
      assert.equal(await sessions.latestActiveLoginCode('web', '13900000021'), undefined);
      const recent = await sessions.recentLoginCodes('web', '13900000021', new Date(Date.now() - 60_000));
      assert.equal(recent.count, 1);
      assert.ok(recent.latest instanceof Date);
    });

    it('ignores expired login codes', async () => {
      await sessions.createLoginCode({ channel: 'web', subject: '13900000022', codeHash: 'h', expiresAt: new Date(Date.now() - 1000) });
      assert.equal(await sessions.latestActiveLoginCode('web', '13900000022'), undefined);
    });

    it('ends a revoked session and keeps one secret per name', async () => {
      const citizenId = (await citizens.findOrCreateByChannelUser('web', '13900000031')).citizenId;
      const id = await sessions.createSession({ citizenId, channel: 'web', expiresAt: new Date(Date.now() + 60_000) });
      const active = await sessions.findActiveSession(id);
      assert.equal(active?.citizenId, citizenId);
      assert.equal(active?.channel, 'web');
      assert.ok(active && active.expiresAt.getTime() > Date.now());
      await sessions.revokeSession(id);
      assert.equal(await sessions.findActiveSession(id), undefined);
      const secrets = await Promise.all([sessions.getOrCreateSecret('k', () => 'one'), sessions.getOrCreateSecret('k', () => 'two')]);
      assert.equal(secrets[0], secrets[1]);
    });

    it('keeps an audit trail per actor, newest first', async () => {
      const audit = new AuditRepository(store.db);
      await audit.record({ actor: 'citizen:x', action: 'a.first', subject: 's' });
      await audit.record({ actor: 'citizen:x', action: 'a.second', subject: 's', cityId: 'wuhan', detail: { n: 1 } });
      const entries = await audit.listByActor('citizen:x');
      assert.deepEqual(entries.map((e) => e.action), ['a.second', 'a.first']);
      assert.deepEqual(entries[0].detail, { n: 1 });
      assert.equal(entries[0].cityId, 'wuhan');
    });
  });
}
