/**
 * The emulated public library (图书馆) of each city: the JSON API of its integrated library system,
 * answering `{ code: 0, message, data }`. Renewals change the loans it holds, in memory.
 *
 * - `GET  /library/{city}/readers/{rdid}/loans` — the current loans of a 12-digit reader card
 * - `POST /library/{city}/readers/{rdid}/loans/{loanId}/renewal` — renew: the new due date, or 409
 *   when no renewals are left or the loan is overdue
 * - `POST /library/{city}/readers/{rdid}/verification` with `{ "idCardNo": "<身份证号>", "rdName": "<读者姓名>" }` —
 *   whether the card's holder is that person (id and name must both agree): `data: { rdid, matched: true | false }`;
 *   404 for a card the library did not issue
 */
import type { EmulatorRoute } from '../../http-kit.ts';
import type { DepartmentEmulator, EmulatorContext } from '../registry.ts';
import { validateNationalId } from '../../../src/model/identifiers.ts';
import { departmentRoute, isPersonName, jsonObjectOf, type RestCall } from '../kit/router.ts';
import { generateLibraryLoans, isCardHolder, renewalRefusal, renewedLoan, type LibraryReader } from './records.ts';

export const LIBRARY_SEGMENT = 'library';

const ERROR_CODES: Record<number, number> = { 400: 40001, 404: 40401, 405: 40501, 409: 40901, 413: 41301 };

function errorBody(status: number, message: string): unknown {
  return { code: ERROR_CODES[status] ?? 50001, message, data: null };
}

const REFUSALS = {
  'no-renewals-left': { code: 40901, message: '已达最大续借次数，不能续借 / No renewals left for this loan' },
  overdue: { code: 40902, message: '图书已超期，请先归还并缴纳滞纳金 / The loan is overdue and cannot be renewed' },
} as const;

export function createLibraryRoute(context: EmulatorContext): EmulatorRoute {
  const readers = new Map<string, LibraryReader>();
  const readerOf = (call: RestCall): LibraryReader | undefined => {
    const card = call.params.rdid!;
    if (!/^\d{12}$/.test(card)) {
      call.send(400, errorBody(400, '读者证号应为12位数字 / the reader card number must be 12 digits'));
      return undefined;
    }
    const key = `${call.city}|${card}`;
    let reader = readers.get(key);
    if (!reader) readers.set(key, (reader = generateLibraryLoans(call.city, card, context.referenceDate)));
    return reader;
  };

  return departmentRoute({
    segment: LIBRARY_SEGMENT,
    errorBody,
    endpoints: [
      {
        method: 'GET',
        path: '/readers/:rdid/loans',
        handle: (call) => {
          const reader = readerOf(call);
          if (reader) call.send(200, { code: 0, message: '查询成功', data: { ...reader, total: reader.loans.length } });
        },
      },
      {
        method: 'POST',
        path: '/readers/:rdid/loans/:loanId/renewal',
        handle: (call) => {
          const reader = readerOf(call);
          if (!reader) return;
          const index = reader.loans.findIndex((loan) => loan.loanId === call.params.loanId);
          if (index < 0) return call.send(404, errorBody(404, '借阅记录不存在 / no such loan on this card'));
          const loan = reader.loans[index]!;
          const refusal = renewalRefusal(loan);
          if (refusal) return call.send(409, { ...REFUSALS[refusal], data: null });
          const renewed = renewedLoan(loan);
          reader.loans[index] = renewed;
          call.send(200, { code: 0, message: '续借成功', data: { ...renewed, previousDueDate: loan.dueDate } });
        },
      },
      {
        method: 'POST',
        path: '/readers/:rdid/verification',
        handle: (call) => {
          const card = call.params.rdid!;
          if (!/^\d{12}$/.test(card)) return call.send(400, errorBody(400, '读者证号应为12位数字 / the reader card number must be 12 digits'));
          const body = jsonObjectOf(call.body);
          if (!body) return call.send(400, errorBody(400, '请求体应为JSON对象 / the body must be a JSON object'));
          const id = typeof body.idCardNo === 'string' ? validateNationalId(body.idCardNo, context.referenceDate) : undefined;
          if (!id?.ok) return call.send(400, errorBody(400, '身份证号格式错误 / idCardNo must be a national id'));
          if (!isPersonName(body.rdName)) return call.send(400, errorBody(400, '读者姓名格式错误 / rdName must be a name'));
          const matched = isCardHolder(call.city, card, id.value, body.rdName);
          if (matched === undefined) return call.send(404, errorBody(404, '读者证不存在 / no such reader card'));
          call.send(200, { code: 0, message: '核验完成', data: { rdid: card, matched } });
        },
      },
    ],
  });
}

export const libraryEmulator: DepartmentEmulator = {
  department: LIBRARY_SEGMENT,
  create: (context) => createLibraryRoute(context),
};
