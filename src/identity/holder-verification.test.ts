/**
 * The holder verifier against the emulated departments, through the real catalog built from
 * config/cities, the real connectors and the shield: a demo resident's identifiers are confirmed by
 * the departments that issued them, someone else's are refused, and what no department issued or
 * can check is said to be so.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEmulators, type RunningEmulators } from '../../emulators/index.ts';
import { demoResident, holderOf, type DemoResident } from '../../emulators/population.ts';
import { deterministicWaterAccount } from '../../emulators/departments/water/bills.ts';
import { testEngines } from '../../test/helpers/stores.ts';
import { loadCatalogDir, formatProblem } from '../catalog/catalog.loader.ts';
import { Catalog } from '../catalog/catalog.service.ts';
import { isHutongError, type ErrorCode } from '../errors.ts';
import type { IdentifierKind } from '../model/common.ts';
import { Shield, DEFAULT_DEPARTMENT_LIMITS } from '../shield/shield.ts';
import { BatchRecordRepository } from '../store/batch-records.repository.ts';
import { migrateToLatest, type Store } from '../store/db.ts';
import { HolderVerifier } from './holder-verification.ts';

const [engine] = testEngines();
const SHANGHAI = { id: 'shanghai', regionCode: '310000', platePrefix: '沪A' };
const DEADLINE_MS = 1500;

describe('HolderVerifier', () => {
  let emulators: RunningEmulators;
  let store: Store;
  let inboxDir: string;
  let catalog: Catalog;
  let verifier: HolderVerifier;
  let resident: DemoResident;
  let neighbour: DemoResident;

  before(async () => {
    inboxDir = await mkdtemp(path.join(tmpdir(), 'hutong-holders-'));
    emulators = await startEmulators({ port: 0, smsAppKey: 'test-sms-key', referenceDate: new Date(), dropDir: inboxDir });
    store = await engine.open();
    await migrateToLatest(store);
    const loaded = await loadCatalogDir(path.resolve('config/cities'), { ...process.env, HUTONG_EMULATORS_URL: emulators.url, HUTONG_INBOX_DIR: inboxDir });
    if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
    catalog = new Catalog(loaded.cities, { batchRecords: new BatchRecordRepository(store.db) });
    // The water company's nightly files, imported as the hub's batch sync does.
    const report = await catalog.connectorFor('shanghai', 'water-company').synchronize!({ signal: AbortSignal.timeout(60_000) });
    assert.ok(report.files.length > 0 && report.files.every((f) => f.status === 'imported'), JSON.stringify(report));
    const shield = new Shield({ limitsFor: () => ({ ...DEFAULT_DEPARTMENT_LIMITS, timeoutMs: DEADLINE_MS }) });
    verifier = new HolderVerifier({ catalog, shield });
    resident = demoResident(3, SHANGHAI);
    neighbour = demoResident(4, SHANGHAI);
    assert.notEqual(resident.name, neighbour.name);
  });

  after(async () => {
    await catalog?.close();
    await store?.close();
    await emulators?.close();
    await rm(inboxDir, { recursive: true, force: true });
  });

  const signal = (): { signal: AbortSignal } => ({ signal: AbortSignal.timeout(10_000) });
  const issuedBy = (departmentId: string) => ({ cityId: 'shanghai', departmentId });
  const holderOfResident = (person: DemoResident) => ({ name: person.name, nationalId: person.nationalId });

  /** The demo resident's identifiers, as linking names them. */
  const identifiers = (person: DemoResident): Array<{ kind: IdentifierKind; value: string; issuer?: { cityId: string; departmentId: string }; by: string }> => [
    { kind: 'plate', value: person.plate, by: 'shanghai/vehicle-administration' },
    { kind: 'utility-account', value: person.electricityAccount, issuer: issuedBy('electricity-company'), by: 'shanghai/electricity-company' },
    { kind: 'utility-account', value: person.gasAccount, issuer: issuedBy('gas-company'), by: 'shanghai/gas-company' },
    { kind: 'library-card', value: person.libraryCard, issuer: issuedBy('library'), by: 'shanghai/library' },
    { kind: 'utility-account', value: person.waterAccount, issuer: issuedBy('water-company'), by: 'shanghai/water-company' },
  ];

  async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
    await assert.rejects(promise, (error: unknown) => {
      assert.ok(isHutongError(error), `expected a HutongError, got ${String(error)}`);
      assert.equal(error.code, code, error.message);
      return true;
    });
  }

  it('confirms a demo resident as the holder of their plate, utility accounts and library card, naming the department', async () => {
    for (const { by, ...identifier } of identifiers(resident)) {
      assert.deepEqual(await verifier.verify(identifier, holderOfResident(resident), signal()), { verifiedBy: by }, `${identifier.kind} ${by}`);
    }
  });

  it('refuses another resident’s claim to them, whether the name or the national id is wrong', async () => {
    for (const { by: _by, ...identifier } of identifiers(resident)) {
      await expectCode(verifier.verify(identifier, holderOfResident(neighbour), signal()), 'HUTONG_ERR_IDENTIFIER_HOLDER_MISMATCH');
    }
    // The right name with another national id: only departments that check the id can tell.
    for (const { by: _by, ...identifier } of identifiers(resident).filter((i) => i.kind !== 'utility-account' || i.issuer?.departmentId !== 'water-company')) {
      await expectCode(verifier.verify(identifier, { name: resident.name, nationalId: neighbour.nationalId }, signal()), 'HUTONG_ERR_IDENTIFIER_HOLDER_MISMATCH');
    }
  });

  it('says when the department does not know the identifier', async () => {
    const claims: Array<{ kind: IdentifierKind; value: string; issuer?: { cityId: string; departmentId: string } }> = [
      { kind: 'utility-account', value: '1000000001', issuer: issuedBy('electricity-company') },
      { kind: 'utility-account', value: '1000000001', issuer: issuedBy('gas-company') },
      { kind: 'library-card', value: '110000000003', issuer: issuedBy('library') },
      // No household of the nightly files has this account.
      { kind: 'utility-account', value: deterministicWaterAccount('shanghai', 5000), issuer: issuedBy('water-company') },
      // Qingdao is the only 鲁 city here; its office registers 鲁B plates, not 鲁A.
      { kind: 'plate', value: '鲁A12345' },
    ];
    for (const claim of claims) await expectCode(verifier.verify(claim, holderOfResident(resident), signal()), 'HUTONG_ERR_IDENTIFIER_UNKNOWN');
  });

  it('routes a plate by its prefix, and by its province character when one city alone has it', async () => {
    const beijing = demoResident(3, { id: 'beijing', regionCode: '110000', platePrefix: '京A' });
    assert.deepEqual(await verifier.verify({ kind: 'plate', value: beijing.plate }, holderOfResident(beijing), signal()), { verifiedBy: 'beijing/vehicle-administration' });
    const plate = '沪B12345';
    const stranger = holderOf('shanghai', 'plate', plate)!;
    assert.deepEqual(await verifier.verify({ kind: 'plate', value: plate }, stranger, signal()), { verifiedBy: 'shanghai/vehicle-administration' });
  });

  it('says when no department can confirm the holder', async () => {
    const claims: Array<{ kind: IdentifierKind; value: string; issuer?: { cityId: string; departmentId: string } }> = [
      { kind: 'plate', value: '苏A12345' }, // no 苏 city
      { kind: 'plate', value: '粤C12345' }, // three 粤 cities, none issues 粤C
      { kind: 'utility-account', value: resident.electricityAccount }, // no issuer
      { kind: 'national-id', value: resident.nationalId, issuer: issuedBy('social-security') }, // a department that confirms no holders
      { kind: 'library-card', value: resident.libraryCard, issuer: issuedBy('electricity-company') }, // not a kind it confirms
      { kind: 'library-card', value: resident.libraryCard, issuer: { cityId: 'atlantis', departmentId: 'library' } },
    ];
    for (const claim of claims) await expectCode(verifier.verify(claim, holderOfResident(resident), signal()), 'HUTONG_ERR_IDENTIFIER_UNVERIFIABLE');
  });

  it('asks the department every time, and passes its failures on with their own codes', async () => {
    const plate = { kind: 'plate' as const, value: resident.plate };
    assert.deepEqual(await verifier.verify(plate, holderOfResident(resident), signal()), { verifiedBy: 'shanghai/vehicle-administration' });
    const calls = emulators.faults.load('vehicle-administration').calls;
    emulators.faults.set('vehicle-administration', { failRate: 1 });
    try {
      // Never answered from an earlier confirmation.
      await expectCode(verifier.verify(plate, holderOfResident(resident), signal()), 'HUTONG_ERR_DEPARTMENT_FAULT');
    } finally {
      emulators.faults.reset('vehicle-administration');
    }
    emulators.faults.set('library', { latencyMs: DEADLINE_MS + 1000 });
    try {
      const started = performance.now();
      await expectCode(
        verifier.verify({ kind: 'library-card', value: resident.libraryCard, issuer: issuedBy('library') }, holderOfResident(resident), signal()),
        'HUTONG_ERR_DEPARTMENT_TIMEOUT',
      );
      assert.ok(performance.now() - started < DEADLINE_MS + 800, 'the shield’s deadline reached the wire');
    } finally {
      emulators.faults.reset('library');
    }
    assert.deepEqual(await verifier.verify(plate, holderOfResident(resident), signal()), { verifiedBy: 'shanghai/vehicle-administration' });
    assert.equal(emulators.faults.load('vehicle-administration').calls, calls + 2, 'each verification reached the department');
  });

  it('stops when the caller’s signal aborts', async () => {
    emulators.faults.set('gas', { latencyMs: 5000 });
    try {
      const started = performance.now();
      await expectCode(
        verifier.verify({ kind: 'utility-account', value: resident.gasAccount, issuer: issuedBy('gas-company') }, holderOfResident(resident), { signal: AbortSignal.timeout(200) }),
        'HUTONG_ERR_DEPARTMENT_TIMEOUT',
      );
      assert.ok(performance.now() - started < 1000);
    } finally {
      emulators.faults.reset('gas');
    }
  });
});
