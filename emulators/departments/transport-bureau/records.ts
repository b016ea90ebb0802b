/**
 * Deterministic synthetic road conditions of the emulated transport bureau (交通运输局): a GeoJSON
 * FeatureCollection of monitored segments of the city's major roads, each with a congestion level
 * (1 畅通, 2 缓行, 3 拥堵, 4 严重拥堵), an average speed (km/h, a decimal string) and the local time it
 * was observed. Rush hours (07–09, 17–19 local) are busier. Seeded by `city|segment|5-minute window`.
 */
import { chinaDateTime, cityRegion, SeededRandom, type RestCityId } from '../kit/synthetic.ts';
import { CITY_ROADS } from './roads.ts';

/** Congestion levels on the wire: code and name. */
export const CONGESTION_LEVELS = { 1: '畅通', 2: '缓行', 3: '拥堵', 4: '严重拥堵' } as const;
export type CongestionCode = keyof typeof CONGESTION_LEVELS;

export type Position = [number, number];

export interface RoadSegmentFeature {
  type: 'Feature';
  id: string;
  geometry: { type: 'LineString'; coordinates: Position[] };
  properties: {
    /** 路段编号. */
    segmentId: string;
    roadName: string;
    /** 路段描述: which stretch of the road, e.g. "第2段（共4段）". */
    sectionDesc: string;
    congestionLevel: CongestionCode;
    levelName: (typeof CONGESTION_LEVELS)[CongestionCode];
    /** 平均车速 km/h with one decimal. */
    avgSpeed: string;
    /** 采集时间 "yyyy-MM-dd HH:mm:ss", local. */
    observedTime: string;
  };
}

export interface RoadConditionCollection {
  type: 'FeatureCollection';
  /** 数据更新时间, local. */
  updateTime: string;
  features: RoadSegmentFeature[];
}

/** A lon/lat box: [minLon, minLat, maxLon, maxLat]. */
export type BoundingBox = readonly [number, number, number, number];

const FIVE_MINUTES_MS = 300_000;

function levelWeights(hour: number): readonly (readonly [CongestionCode, number])[] {
  const rush = (hour >= 7 && hour < 9) || (hour >= 17 && hour < 19);
  const night = hour >= 22 || hour < 6;
  if (rush) return [[1, 25], [2, 35], [3, 28], [4, 12]];
  if (night) return [[1, 90], [2, 8], [3, 2], [4, 0]];
  return [[1, 55], [2, 30], [3, 12], [4, 3]];
}

function speedFor(level: CongestionCode, random: SeededRandom): number {
  const [low, high] = ({ 1: [40, 70], 2: [25, 40], 3: [12, 25], 4: [3, 12] } as const)[level];
  return Math.round((low + random.next() * (high - low)) * 10) / 10;
}

function midpoint(a: readonly [number, number], b: readonly [number, number]): Position {
  return [Math.round(((a[0] + b[0]) / 2) * 1e6) / 1e6, Math.round(((a[1] + b[1]) / 2) * 1e6) / 1e6];
}

/** The conditions of every monitored segment of the city's major roads at the reference date. */
export function generateRoadConditions(cityId: string, referenceDate: Date): RoadConditionCollection {
  const region = cityRegion(cityId);
  const window = Math.floor(referenceDate.getTime() / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;
  const hour = new Date(window + 8 * 3_600_000).getUTCHours();
  const features: RoadSegmentFeature[] = [];
  CITY_ROADS[cityId as RestCityId].forEach((road, roadIndex) => {
    const sections = road.points.length - 1;
    for (let section = 0; section < sections; section++) {
      const segmentId = `${region.regionCode}-R${String(roadIndex + 1).padStart(2, '0')}-S${String(section + 1).padStart(2, '0')}`;
      const random = new SeededRandom(cityId, segmentId, String(window));
      const level = random.weighted(levelWeights(hour));
      const a = road.points[section]!;
      const b = road.points[section + 1]!;
      features.push({
        type: 'Feature',
        id: segmentId,
        geometry: { type: 'LineString', coordinates: [[a[0], a[1]], midpoint(a, b), [b[0], b[1]]] },
        properties: {
          segmentId,
          roadName: road.name,
          sectionDesc: `第${section + 1}段（共${sections}段）`,
          congestionLevel: level,
          levelName: CONGESTION_LEVELS[level],
          avgSpeed: speedFor(level, random).toFixed(1),
          // Detectors report within the last few minutes of the window.
          observedTime: chinaDateTime(window - random.int(0, 4) * 60_000),
        },
      });
    }
  });
  return { type: 'FeatureCollection', updateTime: chinaDateTime(window), features };
}

/** The box around a route from `from` to `to`, widened by `marginDegrees` (about 1 km per 0.01°). */
export function routeBoundingBox(from: Position, to: Position, marginDegrees = 0.01): BoundingBox {
  return [
    Math.min(from[0], to[0]) - marginDegrees,
    Math.min(from[1], to[1]) - marginDegrees,
    Math.max(from[0], to[0]) + marginDegrees,
    Math.max(from[1], to[1]) + marginDegrees,
  ];
}

/** Whether any part of the segment's own box overlaps `box`. */
export function segmentNearBox(feature: RoadSegmentFeature, box: BoundingBox): boolean {
  const lons = feature.geometry.coordinates.map((p) => p[0]);
  const lats = feature.geometry.coordinates.map((p) => p[1]);
  return Math.max(...lons) >= box[0] && Math.min(...lons) <= box[2] && Math.max(...lats) >= box[1] && Math.min(...lats) <= box[3];
}

/** The conditions along a route: only the segments near its bounding box. */
export function roadConditionsNearRoute(cityId: string, referenceDate: Date, from: Position, to: Position): RoadConditionCollection {
  const all = generateRoadConditions(cityId, referenceDate);
  const box = routeBoundingBox(from, to);
  return { ...all, features: all.features.filter((feature) => segmentNearBox(feature, box)) };
}
