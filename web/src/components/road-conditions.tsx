import { useId, useState, type FormEvent } from 'react';
import { api, apiPath, type RecordList, type ServiceRecord } from '../api.ts';
import { formatTime } from '../format.ts';
import { useText } from '../i18n.tsx';
import { DEPARTMENT_LABELS, labelOf } from '../labels.ts';
import { useResource } from '../resource.ts';
import { useServiceText, type ServiceTexts } from '../texts/services.ts';
import { ErrorNotice, Loading } from './error-notice.tsx';
import '../styles/services.css';

type Point = readonly [number, number];

interface Segment {
  readonly id: string;
  readonly road: string;
  /** Which stretch of its road, counted from 1, from the bureau's segment number (…-R01-S02). */
  readonly section: number;
  readonly level: string;
  readonly speedKmh?: number;
  readonly points: readonly Point[];
  readonly observedAt?: string;
}

interface Landmark {
  readonly id: string;
  readonly name: string;
  readonly point: Point;
}

const SEVERITY: Readonly<Record<string, number>> = { free: 0, slow: 1, congested: 2, blocked: 3 };

function segmentOf(record: ServiceRecord): Segment | null {
  const geometry = record.geometry as { coordinates?: unknown } | undefined;
  const points = Array.isArray(geometry?.coordinates)
    ? geometry.coordinates.filter((p): p is Point => Array.isArray(p) && typeof p[0] === 'number' && typeof p[1] === 'number')
    : [];
  if (typeof record.road !== 'string' || points.length < 2) return null;
  const id = typeof record.segmentId === 'string' ? record.segmentId : `${record.road}-${points[0]!.join(',')}`;
  return {
    id,
    road: record.road,
    section: Number(/S(\d+)$/.exec(id)?.[1] ?? 1),
    level: typeof record.level === 'string' ? record.level : 'free',
    ...(typeof record.speedKmh === 'number' ? { speedKmh: record.speedKmh } : {}),
    points,
    ...(typeof record.observedAt === 'string' ? { observedAt: record.observedAt } : {}),
  };
}

function groupByRoad(segments: readonly Segment[]): Map<string, Segment[]> {
  const roads = new Map<string, Segment[]>();
  for (const segment of segments) roads.set(segment.road, [...(roads.get(segment.road) ?? []), segment]);
  for (const list of roads.values()) list.sort((a, b) => a.section - b.section);
  return roads;
}

/** Places people know: both ends of every reported road, named by the road and the end ("延安高架路（西端）"). */
function landmarksOf(roads: Map<string, Segment[]>, s: ServiceTexts): Landmark[] {
  const landmarks: Landmark[] = [];
  for (const [road, segments] of roads) {
    const start = segments[0]!.points[0]!;
    const end = segments.at(-1)!.points.at(-1)!;
    const dLon = end[0] - start[0];
    const dLat = end[1] - start[1];
    const [startEnd, endEnd] =
      Math.abs(dLon) >= Math.abs(dLat) ? (dLon > 0 ? (['west', 'east'] as const) : (['east', 'west'] as const)) : dLat > 0 ? (['south', 'north'] as const) : (['north', 'south'] as const);
    for (const [point, which] of [[start, startEnd], [end, endEnd]] as const) {
      const id = `${point[0]},${point[1]}`;
      if (!landmarks.some((l) => l.id === id)) landmarks.push({ id, name: s.landmark(road, s.roadEnd(which)), point });
    }
  }
  return landmarks;
}

/**
 * The segments a trip from `from` to `to` follows, in the order met (by where their middle falls
 * along the way): those close to the straight line and running roughly along it. The others the
 * bureau reported near the route (crossing roads…) are `nearby`.
 */
function alongRoute(segments: readonly Segment[], from: Point, to: Point): { along: Segment[]; nearby: Segment[] } {
  // Degrees of longitude are shorter than degrees of latitude away from the equator.
  const lonScale = Math.cos((from[1] * Math.PI) / 180);
  const dx = (to[0] - from[0]) * lonScale;
  const dy = to[1] - from[1];
  const length = Math.hypot(dx, dy) || 1;
  const measured = segments.map((segment) => {
    const mid = segment.points[Math.floor(segment.points.length / 2)]!;
    const mx = (mid[0] - from[0]) * lonScale;
    const my = mid[1] - from[1];
    const first = segment.points[0]!;
    const last = segment.points.at(-1)!;
    const sx = (last[0] - first[0]) * lonScale;
    const sy = last[1] - first[1];
    return {
      segment,
      progress: (mx * dx + my * dy) / (length * length),
      offset: Math.abs(mx * dy - my * dx) / length,
      parallel: Math.abs(sx * dx + sy * dy) / ((Math.hypot(sx, sy) || 1) * length),
    };
  });
  // About 800 m either side of the line, within 50° of its direction.
  const onRoute = (m: (typeof measured)[number]) => m.progress > -0.05 && m.progress < 1.05 && m.offset <= 0.008 && m.parallel >= 0.64;
  const along = measured.filter(onRoute).sort((a, b) => a.progress - b.progress);
  if (along.length === 0) return { along: measured.sort((a, b) => a.progress - b.progress).map((m) => m.segment), nearby: [] };
  const nearby = measured
    .filter((m) => !onRoute(m))
    .map((m) => m.segment)
    .sort((a, b) => (SEVERITY[b.level] ?? 0) - (SEVERITY[a.level] ?? 0) || (a.speedKmh ?? 0) - (b.speedKmh ?? 0));
  return { along: along.map((m) => m.segment), nearby };
}

function latest(segments: readonly Segment[]): string | undefined {
  return segments.reduce<string | undefined>((max, s) => (s.observedAt && (!max || s.observedAt > max) ? s.observedAt : max), undefined);
}

function Level({ level }: { level: string }) {
  const s = useServiceText();
  return (
    <span className="level" data-level={level}>
      {s.roadLevel(level)}
    </span>
  );
}

function SourceNotes({ list }: { list: RecordList }) {
  const { t, lang } = useText();
  return (
    <>
      {list.sources
        .filter((source) => source.status !== 'ok')
        .map((source) => {
          const department = labelOf(DEPARTMENT_LABELS, source.departmentId, lang);
          const minutes = Math.max(1, Math.round((source.ageSeconds ?? 0) / 60));
          return (
            <p key={source.departmentId} className="notice notice-warn" role="status">
              {source.status === 'stale' ? t.sourceStale(department, minutes) : t.sourceUnavailable(department)}
            </p>
          );
        })}
    </>
  );
}

/** One end of the route: a named place of the city. */
function PlaceSelect({ id, label, places, value, onChange }: { id: string; label: string; places: readonly Landmark[]; value: string; onChange(placeId: string): void }) {
  const s = useServiceText();
  return (
    <div>
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} required onChange={(e) => onChange(e.target.value)}>
        <option value="" disabled>
          {s.choosePlace}
        </option>
        {places.map((l) => (
          <option key={l.id} value={l.id}>
            {l.name}
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * Road conditions of a city: a route picked from named places, its segments in the order met on
 * the way; without a route, every reported road, the worst first.
 */
export function RoadConditions({ cityId, serviceId }: { cityId: string; serviceId: string }) {
  const s = useServiceText();
  const formId = useId();
  const all = useResource(`roads:${cityId}:${serviceId}`, (signal) => api<RecordList>(apiPath.records(cityId, serviceId), { auth: true, signal }));
  const [fromId, setFromId] = useState('');
  const [toId, setToId] = useState('');
  const [route, setRoute] = useState<{ from: Landmark; to: Landmark } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const routeQuery = route ? `?from=${encodeURIComponent(route.from.id)}&to=${encodeURIComponent(route.to.id)}` : '';
  const along = useResource(route ? `route:${cityId}:${serviceId}${routeQuery}` : null, (signal) =>
    api<RecordList>(`${apiPath.records(cityId, serviceId)}${routeQuery}`, { auth: true, signal }),
  );

  if (all.loading && !all.data) return <Loading text={s.routeLoading} />;
  if (all.error) return <ErrorNotice error={all.error} onRetry={all.reload} />;
  if (!all.data) return null;

  const segments = all.data.items.map(segmentOf).filter((x): x is Segment => x !== null);
  const roads = groupByRoad(segments);
  const landmarks = landmarksOf(roads, s);
  const sectionsOf = (road: string) => roads.get(road)?.length ?? 1;

  const show = (event: FormEvent) => {
    event.preventDefault();
    const from = landmarks.find((l) => l.id === fromId);
    const to = landmarks.find((l) => l.id === toId);
    if (!from || !to) return;
    if (from.id === to.id) {
      setProblem(s.routeSame);
      return;
    }
    setProblem(null);
    setRoute({ from, to });
  };
  const clear = () => {
    setRoute(null);
    setProblem(null);
  };

  const cityRoads = [...roads]
    .map(([road, list]) => {
      const worst = list.reduce((w, seg) => ((SEVERITY[seg.level] ?? 0) > (SEVERITY[w] ?? 0) ? seg.level : w), 'free');
      const speeds = list.flatMap((seg) => (seg.speedKmh === undefined ? [] : [seg.speedKmh]));
      const average = speeds.length ? speeds.reduce((a, b) => a + b, 0) / speeds.length : undefined;
      return { road, worst, worstCount: list.filter((seg) => seg.level === worst).length, count: list.length, average };
    })
    .sort((a, b) => (SEVERITY[b.worst] ?? 0) - (SEVERITY[a.worst] ?? 0) || (a.average ?? 0) - (b.average ?? 0));

  const { along: routeSegments, nearby } =
    route && along.data ? alongRoute(along.data.items.map(segmentOf).filter((x): x is Segment => x !== null), route.from.point, route.to.point) : { along: [], nearby: [] };
  const dataTime = latest(route && along.data ? [...routeSegments, ...nearby] : segments);
  const segmentDetail = (seg: Segment) =>
    [s.segmentOf(seg.section, sectionsOf(seg.road)), seg.speedKmh !== undefined ? s.speed(seg.speedKmh) : null, seg.observedAt ? formatTime(seg.observedAt).slice(11) : null]
      .filter(Boolean)
      .join(' · ');

  return (
    <>
      <p className="hint">{s.routeIntro}</p>
      <form className="form route-form" onSubmit={show} aria-label={s.routeTitle}>
        <PlaceSelect id={`${formId}-from`} label={s.routeFrom} places={landmarks} value={fromId} onChange={setFromId} />
        <PlaceSelect id={`${formId}-to`} label={s.routeTo} places={landmarks} value={toId} onChange={setToId} />
        {problem ? (
          <p className="notice notice-error route-buttons" role="alert">
            {problem}
          </p>
        ) : null}
        <div className="route-buttons">
          <button type="submit" className="button" disabled={!fromId || !toId}>
            {s.routeShow}
          </button>
          {route ? (
            <button type="button" className="button button-secondary" onClick={clear}>
              {s.routeClear}
            </button>
          ) : null}
        </div>
      </form>

      {route ? (
        <section aria-labelledby={`${formId}-route`} className="route-result">
          <h3 id={`${formId}-route`}>{s.routeHeading(route.from.name, route.to.name)}</h3>
          {along.loading && !along.data ? <Loading text={s.routeLoading} /> : null}
          {along.error ? <ErrorNotice error={along.error} onRetry={along.reload} /> : null}
          {along.data ? (
            <>
              <SourceNotes list={along.data} />
              {dataTime ? <p className="route-meta">{s.observedAt(formatTime(dataTime))}</p> : null}
              {routeSegments.length === 0 ? <p className="muted">{s.routeEmpty}</p> : null}
              <ol className="roads" aria-busy={along.loading}>
                {routeSegments.map((seg, index) => (
                  <li key={seg.id} className="road" data-level={seg.level}>
                    <span className="road-order" aria-hidden="true">
                      {index + 1}
                    </span>
                    <span className="road-name">{seg.road}</span>
                    <Level level={seg.level} />
                    <span className="road-detail">{segmentDetail(seg)}</span>
                  </li>
                ))}
              </ol>
              {nearby.length > 0 ? (
                <>
                  <h4 className="roads-nearby-title">{s.routeNearby}</h4>
                  <ul className="roads roads-city roads-nearby">
                    {nearby.map((seg) => (
                      <li key={seg.id} className="road" data-level={seg.level}>
                        <span className="road-name">{seg.road}</span>
                        <Level level={seg.level} />
                        <span className="road-detail">{segmentDetail(seg)}</span>
                      </li>
                    ))}
                  </ul>
                </>
              ) : null}
            </>
          ) : null}
        </section>
      ) : (
        <section aria-labelledby={`${formId}-city`} className="route-result">
          <h3 id={`${formId}-city`}>{s.cityRoadsTitle}</h3>
          <SourceNotes list={all.data} />
          {dataTime ? <p className="route-meta">{s.observedAt(formatTime(dataTime))}</p> : null}
          <ul className="roads roads-city" aria-busy={all.loading}>
            {cityRoads.map((road) => (
              <li key={road.road} className="road" data-level={road.worst}>
                <span className="road-name">{road.road}</span>
                <Level level={road.worst} />
                <span className="road-detail">
                  {[
                    s.segmentCount(road.count),
                    road.worst !== 'free' ? s.worstSegments(road.worstCount, s.roadLevel(road.worst)) : null,
                    road.average !== undefined ? s.averageSpeed(road.average) : null,
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
