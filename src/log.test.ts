import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { setImmediate as nextTick } from 'node:timers/promises';
import Fastify, { type FastifyBaseLogger } from 'fastify';

import { createHubLogger, maskPersonalData } from './log.ts';

const NATIONAL_ID = '11010519491231002X';
const PHONE = '13912345678';
const PLATE = '沪A12345';
const TOKEN = 'secret-token';

/** Everything a hub logger writes to a PassThrough, as parsed lines and as raw text. */
function capture(level = 'info') {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  const logger = createHubLogger(level, stream);
  return {
    logger,
    async text(): Promise<string> {
      logger.flush();
      await nextTick();
      return Buffer.concat(chunks).toString('utf8');
    },
    async lines(): Promise<Array<Record<string, unknown>>> {
      const text = await this.text();
      return text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
  };
}

function assertNoPersonalData(text: string): void {
  for (const secret of [NATIONAL_ID, PHONE, PLATE, '3912345678', 'A12345', '%E6%B2%AA', TOKEN, 'Bearer']) {
    assert.ok(!text.includes(secret), `log output leaks ${secret}:\n${text}`);
  }
}

describe('maskPersonalData', () => {
  it('masks a national id, upper or lower case X', () => {
    assert.equal(maskPersonalData(NATIONAL_ID), '[national-id]');
    assert.equal(maskPersonalData('id 11010519491231002x ok'), 'id [national-id] ok');
    assert.equal(maskPersonalData('id=310105194912311234;'), 'id=[national-id];');
  });

  it('masks mobile numbers, with or without +86', () => {
    assert.equal(maskPersonalData(PHONE), '[phone]');
    assert.equal(maskPersonalData('+8613912345678'), '[phone]');
    assert.equal(maskPersonalData('call 13912345678 now'), 'call [phone] now');
    assert.equal(maskPersonalData('phone=%2B8613912345678'), 'phone=[phone]');
  });

  it('masks plates, ordinary and new-energy', () => {
    assert.equal(maskPersonalData(PLATE), '[plate]');
    assert.equal(maskPersonalData('粤BD12345'), '[plate]');
    assert.equal(maskPersonalData('car 京A·12345 parked'), 'car [plate] parked');
  });

  it('masks a percent-encoded plate in a URL query', () => {
    assert.equal(maskPersonalData('/x?plate=%E6%B2%AAA12345'), '/x?plate=[plate]');
    assert.equal(maskPersonalData('/x?plate=%e6%b2%aaA12345&page=1'), '/x?plate=[plate]&page=1');
  });

  it('masks a percent-encoded plate even when the text has a stray % elsewhere', () => {
    const masked = maskPersonalData('/x?plate=%E6%B2%AAA12345&discount=100%');
    assert.equal(masked, '/x?plate=[plate]&discount=100%');
    assert.equal(maskPersonalData('50% off for %E7%B2%A4BD12345 and %ZZ'), '50% off for [plate] and %ZZ');
  });

  it('masks every kind in one string', () => {
    assert.equal(
      maskPersonalData(`citizen ${NATIONAL_ID} phone ${PHONE} plate ${PLATE}`),
      'citizen [national-id] phone [phone] plate [plate]',
    );
  });

  it('leaves ordinary text and 6-digit numbers alone', () => {
    for (const text of [
      '',
      'incoming request',
      'region 310000 and 440300, order 123456',
      'request completed in 12.5 ms with status 200',
      '上海市交通违法查询 Shanghai traffic violations',
      'GET /v1/cities/shanghai/services?page=2',
      'fine 200.00 yuan, 3 points, 2024-05-01T08:00:00+08:00',
      'account 12345678901234 at 10:00',
      '100% done',
    ]) {
      assert.equal(maskPersonalData(text), text);
    }
  });

  it('does not mask numbers that only contain a phone-like run', () => {
    assert.equal(maskPersonalData('ref 213912345678'), 'ref 213912345678', '12 digits are not a phone number');
    assert.equal(maskPersonalData('12912345678'), '12912345678', 'no mobile number starts 12');
  });
});

describe('createHubLogger', () => {
  const request = {
    req: { method: 'GET', url: `/x?plate=${PLATE}&phone=${PHONE}`, headers: { authorization: `Bearer ${TOKEN}` } },
  };

  it('never writes a phone, plate, national id or authorization header', async () => {
    const out = capture();
    out.logger.info(request, `citizen ${NATIONAL_ID} phone ${PHONE} plate ${PLATE}`);
    out.logger.info(request, 'lookup for %s with %s', PLATE, PHONE);
    out.logger.warn({ citizen: { nationalId: NATIONAL_ID, phones: [PHONE, `+86${PHONE}`] }, plate: PLATE }, 'linked');
    out.logger.error(new Error(`department refused plate ${PLATE} for ${NATIONAL_ID}`), `failed for ${PHONE}`);
    out.logger.info({ req: { method: 'GET', url: '/x?plate=%E6%B2%AAA12345&phone=%2B8613912345678', headers: { authorization: `Bearer ${TOKEN}` } } }, 'encoded');

    const text = await out.text();
    const lines = await out.lines();
    assert.equal(lines.length, 5, text);
    assertNoPersonalData(text);
  });

  it('keeps what is not personal data', async () => {
    const out = capture();
    out.logger.info(request, `citizen ${NATIONAL_ID} phone ${PHONE} plate ${PLATE}`);
    out.logger.info(request, 'lookup for %s with %s', PLATE, PHONE);
    const [first, second] = await out.lines();
    assert.equal(first.msg, 'citizen [national-id] phone [phone] plate [plate]');
    assert.deepEqual(first.req, { method: 'GET', url: '/x?plate=[plate]&phone=[phone]' });
    assert.equal(second.msg, 'lookup for [plate] with [phone]');
    assert.equal(first.level, 30);
  });

  it('masks personal data inside an Error', async () => {
    const out = capture();
    out.logger.error({ err: new Error(`no record for ${PLATE}`) }, 'department error');
    const [line] = await out.lines();
    const err = line.err as { message?: string; stack?: string; type?: string };
    assert.equal(err.type, 'Error');
    assert.equal(err.message, 'no record for [plate]');
    assert.ok(err.stack?.startsWith('Error: no record for [plate]'));
  });

  it('respects the level', async () => {
    const out = capture('warn');
    out.logger.info('not written');
    out.logger.warn('written');
    const lines = await out.lines();
    assert.deepEqual(lines.map((l) => l.msg), ['written']);
  });

  it('logs Fastify requests with their method and masked URL, and no headers', async () => {
    const out = capture();
    const app = Fastify({ loggerInstance: out.logger as FastifyBaseLogger });
    app.get('/x', async () => ({ ok: true }));
    try {
      const response = await app.inject({
        method: 'GET',
        url: '/x?plate=%E6%B2%AAA12345&phone=13912345678',
        headers: { authorization: `Bearer ${TOKEN}`, cookie: `session=${TOKEN}` },
      });
      assert.equal(response.statusCode, 200);
    } finally {
      await app.close();
    }
    const text = await out.text();
    assertNoPersonalData(text);
    const lines = await out.lines();
    const incoming = lines.find((l) => l.msg === 'incoming request');
    const completed = lines.find((l) => l.msg === 'request completed');
    assert.ok(incoming && completed, text);
    assert.deepEqual(incoming.req, { id: incoming.reqId, method: 'GET', url: '/x?plate=[plate]&phone=[phone]' });
    assert.deepEqual(completed.res, { statusCode: 200 });
  });
});

describe('createHubLogger keeps error codes and masks everywhere else', () => {
  it('logs a HUTONG_ERR code, redacts a bare authorization header, and masks child-logger fields', async () => {
    const out = capture();
    out.logger.info({ code: 'HUTONG_ERR_INVALID_PLATE' }, 'request refused');
    out.logger.info({ headers: { authorization: `Bearer ${TOKEN}` } }, 'outgoing call');
    out.logger.child({ plate: PLATE }).info('child');
    const text = await out.text();
    assert.match(text, /HUTONG_ERR_INVALID_PLATE/);
    assertNoPersonalData(text);
  });
});
