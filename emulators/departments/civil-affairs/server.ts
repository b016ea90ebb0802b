/**
 * The emulated civil affairs bureau's marriage registration booking system (婚姻登记预约): a public
 * JSON API answering `{ code: 200, msg, data }`, paged as `{ records, total, size, current, pages }`.
 *
 * - `GET /civil-affairs/{city}/api/hydj/djjg` — the marriage registry offices
 * - `GET /civil-affairs/{city}/api/hydj/yysd/page[?current=&size=&djjgdm=&yyrq=]` — half-day slots, next 14 working days
 */
import type { EmulatorRoute } from '../../http-kit.ts';
import type { DepartmentEmulator, EmulatorContext } from '../registry.ts';
import { departmentRoute, readPaging } from '../kit/router.ts';
import { generateMarriageSlots, marriageOffices } from './records.ts';

export const CIVIL_AFFAIRS_SEGMENT = 'civil-affairs';

function errorBody(status: number, message: string): unknown {
  return { code: status, msg: message, data: null };
}

export function createCivilAffairsRoute(context: EmulatorContext): EmulatorRoute {
  return departmentRoute({
    segment: CIVIL_AFFAIRS_SEGMENT,
    errorBody,
    endpoints: [
      {
        method: 'GET',
        path: '/api/hydj/djjg',
        handle: (call) => call.send(200, { code: 200, msg: '操作成功', data: marriageOffices(call.city) }),
      },
      {
        method: 'GET',
        path: '/api/hydj/yysd/page',
        handle: (call) => {
          const paging = readPaging(call.url, { page: 'current', size: 'size' }, { size: 10, maxSize: 100 });
          if (!paging) return call.send(400, errorBody(400, 'current须为正整数，size须在1到100之间 / current must be ≥ 1 and size 1…100'));
          const office = call.url.searchParams.get('djjgdm');
          if (office !== null && !marriageOffices(call.city).some((o) => o.djjgdm === office)) {
            return call.send(404, errorBody(404, `登记机关不存在 / no such office: ${office}`));
          }
          const date = call.url.searchParams.get('yyrq');
          if (date !== null && !/^\d{4}-\d{2}-\d{2}$/.test(date)) return call.send(400, errorBody(400, 'yyrq格式应为yyyy-MM-dd / yyrq must be yyyy-MM-dd'));
          const slots = generateMarriageSlots(call.city, context.referenceDate).filter(
            (slot) => (office === null || slot.djjgdm === office) && (date === null || slot.yyrq === date),
          );
          const start = (paging.page - 1) * paging.size;
          call.send(200, {
            code: 200,
            msg: '操作成功',
            data: {
              records: slots.slice(start, start + paging.size),
              total: slots.length,
              size: paging.size,
              current: paging.page,
              pages: Math.ceil(slots.length / paging.size),
            },
          });
        },
      },
    ],
  });
}

export const civilAffairsEmulator: DepartmentEmulator = {
  department: CIVIL_AFFAIRS_SEGMENT,
  create: (context) => createCivilAffairsRoute(context),
};
