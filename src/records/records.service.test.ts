/**
 * Records of a service that takes actions say which linked identifier they came from, so a citizen
 * with two library cards can renew a loan by clicking it: the web app sends that identifier back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { REFERENCE_DATE, startTestHub, type TestHub } from '../../test/helpers/hub.ts';
import { testEngines } from '../../test/helpers/stores.ts';
import { demoCitizen } from '../demo/demo-citizens.ts';
import { generateLibraryLoans, renewalRefusal } from '../../emulators/departments/library/records.ts';

const [engine] = testEngines();
const SHANGHAI = { id: 'shanghai', regionCode: '310000', platePrefix: '沪A' };

/** The first Shanghai demo resident whose library card has a loan the library would renew today. */
function readerWithRenewableLoan(): number {
  for (let n = 1; n <= 200; n++) {
    const { loans } = generateLibraryLoans('shanghai', demoCitizen(n, SHANGHAI).libraryCard, REFERENCE_DATE);
    if (loans.some((loan) => renewalRefusal(loan) === undefined)) return n;
  }
  throw new Error('no Shanghai demo resident has a renewable loan');
}

describe('records carry the identifier an action needs', () => {
  let hub: TestHub;
  let auth: { authorization: string };

  before(async () => {
    hub = await startTestHub(engine);
    const { token } = await hub.loginDemo(readerWithRenewableLoan(), 'shanghai');
    auth = { authorization: `Bearer ${token}` };
  });
  after(async () => hub?.close());

  const records = async (serviceId: string) => {
    const res = await hub.app.inject({ method: 'GET', url: `/v1/cities/shanghai/services/${serviceId}/records`, headers: auth });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { items: Array<Record<string, unknown>>; sources: Array<{ identifierId?: string }> };
  };

  it('names the library card on every loan, and renewing by it moves the due date 30 days on', async () => {
    const me = (await hub.app.inject({ method: 'GET', url: '/v1/me', headers: auth })).json() as { identifiers: Array<{ id: string; kind: string }> };
    const card = me.identifiers.find((i) => i.kind === 'library-card');
    assert.ok(card, 'the library card is linked');

    const before = await records('culture.library-loans');
    assert.ok(before.items.length > 0);
    for (const loan of before.items) assert.equal(loan.identifierId, card.id, `loan ${String(loan.id)} names its card`);
    const loan = before.items.find((l) => l.overdue === false && Number(l.renewalsLeft) > 0)!;
    assert.ok(loan, 'a renewable loan is listed');

    const res = await hub.app.inject({
      method: 'POST',
      url: '/v1/cities/shanghai/services/culture.library-loans/actions/renewLoan',
      headers: auth,
      payload: { identifierId: loan.identifierId, recordId: loan.id },
    });
    assert.equal(res.statusCode, 200, res.body);
    const due = new Date(`${String(loan.dueOn)}T00:00:00Z`);
    const expected = new Date(due.getTime() + 30 * 86_400_000).toISOString().slice(0, 10);
    assert.equal(res.json().result.dueOn, expected);

    const after = await records('culture.library-loans');
    assert.equal(after.items.find((l) => l.id === loan.id)?.dueOn, expected, 'the list shows the new due date at once');
  });

  it('leaves records of services without actions as the department gave them', async () => {
    const { items } = await records('traffic.violations');
    for (const item of items) assert.equal('identifierId' in item, false);
  });
});
