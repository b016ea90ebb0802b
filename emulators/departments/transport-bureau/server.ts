/**
 * The emulated transport bureau (交通运输局) of each city: a public open-data API answering GeoJSON.
 * Errors are `{ errcode, errmsg }`.
 *
 * - `GET /transport-bureau/{city}/traffic/roads[?from=lon,lat&to=lon,lat]` — a FeatureCollection of
 *   LineString road segments with their congestion; `from` and `to` together keep only the segments
 *   near the route's bounding box.
 */
import type { EmulatorRoute } from '../../http-kit.ts';
import type { DepartmentEmulator, EmulatorContext } from '../registry.ts';
import { departmentRoute } from '../kit/router.ts';
import { generateRoadConditions, roadConditionsNearRoute, type Position } from './records.ts';

export const TRANSPORT_BUREAU_SEGMENT = 'transport-bureau';

const ERROR_CODES: Record<number, number> = { 400: 40001, 404: 40404, 405: 40005, 413: 40013 };

function errorBody(status: number, message: string): unknown {
  return { errcode: ERROR_CODES[status] ?? 50000, errmsg: message };
}

/** "lon,lat" inside China's extent, or undefined. */
function readPosition(text: string): Position | undefined {
  const match = /^\s*(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,2}(?:\.\d+)?)\s*$/.exec(text);
  if (!match) return undefined;
  const lon = Number(match[1]);
  const lat = Number(match[2]);
  return lon >= 73 && lon <= 136 && lat >= 3 && lat <= 54 ? [lon, lat] : undefined;
}

export function createTransportBureauRoute(context: EmulatorContext): EmulatorRoute {
  return departmentRoute({
    segment: TRANSPORT_BUREAU_SEGMENT,
    errorBody,
    endpoints: [
      {
        method: 'GET',
        path: '/traffic/roads',
        handle: (call) => {
          const fromText = call.url.searchParams.get('from');
          const toText = call.url.searchParams.get('to');
          if ((fromText === null) !== (toText === null)) {
            return call.send(400, errorBody(400, '参数from与to须同时提供 / from and to go together'));
          }
          if (fromText === null || toText === null) return call.send(200, generateRoadConditions(call.city, context.referenceDate));
          const from = readPosition(fromText);
          const to = readPosition(toText);
          if (!from || !to) {
            return call.send(400, errorBody(400, '坐标格式应为"经度,纬度"且位于中国境内 / from and to must be "lon,lat" within China'));
          }
          call.send(200, roadConditionsNearRoute(call.city, context.referenceDate, from, to));
        },
      },
    ],
  });
}

export const transportBureauEmulator: DepartmentEmulator = {
  department: TRANSPORT_BUREAU_SEGMENT,
  create: (context) => createTransportBureauRoute(context),
};
