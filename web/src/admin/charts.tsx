import { useLayoutEffect, useRef, useState, type RefObject } from 'react';
import { useTexts } from './lang.tsx';

export type Tone = 'neutral' | 'ok' | 'warn' | 'bad' | 'muted';

export interface Bar {
  readonly key: string;
  readonly label: string;
  readonly value: number;
  /** The value as read (a formatted amount, "12 (3 errors)"); defaults to the number. */
  readonly valueText?: string;
  readonly tone?: Tone;
}

/** The width of an element, following it as the window changes size. */
function useWidth(ref: RefObject<HTMLElement | null>, fallback: number): number {
  const [width, setWidth] = useState(fallback);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return undefined;
    const measure = () => setWidth(Math.max(200, Math.floor(element.getBoundingClientRect().width)));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

const ROW = 46;
const BAR = 16;
const VALUE_SPACE = 120;

/**
 * Horizontal bars with their labels and values written beside them. The SVG is one image to
 * assistive technology, named by `label` and every value, so the numbers are there both ways.
 *
 * @example
 *   <BarChart caption="Requests by entrance" label="Requests by entrance"
 *     bars={[{ key: 'web', label: 'Web', value: 120 }]} emptyText="No data" />
 */
export function BarChart({ caption, label, bars, emptyText }: { caption?: string; label: string; bars: readonly Bar[]; emptyText: string }) {
  const { t } = useTexts();
  const holder = useRef<HTMLElement>(null);
  const width = useWidth(holder, 480);
  const max = Math.max(0, ...bars.map((bar) => bar.value));
  const track = Math.max(40, width - VALUE_SPACE);
  const height = Math.max(ROW, bars.length * ROW);
  const summary = t.chartSummary(label, bars.length ? bars.map((bar) => `${bar.label} ${bar.valueText ?? bar.value}`).join(', ') : emptyText);
  return (
    <figure className="chart" ref={holder}>
      {caption ? <figcaption>{caption}</figcaption> : null}
      {bars.length === 0 ? (
        <p className="chart-empty">{emptyText}</p>
      ) : (
        <svg role="img" aria-label={summary} width={width} height={height} viewBox={`0 0 ${width} ${height}`} className="bar-chart">
          {bars.map((bar, index) => {
            const y = index * ROW;
            const length = max > 0 ? Math.max(bar.value > 0 ? 2 : 0, (bar.value / max) * track) : 0;
            return (
              <g key={bar.key} className={`tone-${bar.tone ?? 'neutral'}`}>
                <text x={0} y={y + 14} className="bar-label">
                  {bar.label}
                </text>
                <rect x={0} y={y + 21} width={track} height={BAR} rx={3} className="bar-track" />
                <rect x={0} y={y + 21} width={length} height={BAR} rx={3} className="bar-fill" />
                <text x={length + 8} y={y + 34} className="bar-value">
                  {bar.valueText ?? bar.value}
                </text>
              </g>
            );
          })}
        </svg>
      )}
    </figure>
  );
}

const RADIUS = 46;
const CIRCUMFERENCE = 2 * Math.PI * RADIUS;

/**
 * A ring filled to a share (0…1), the share written in its middle; `null` shows an empty ring and a dash.
 *
 * @example
 *   <Gauge caption="Cache offload" ratio={0.73} ratioText="73.0%" label="Cache offload ratio 73.0%" />
 */
export function Gauge({ caption, ratio, ratioText, label, tone = 'neutral', detail }: { caption?: string; ratio: number | null; ratioText: string; label: string; tone?: Tone; detail?: string }) {
  const share = ratio === null ? 0 : Math.min(1, Math.max(0, ratio));
  return (
    <figure className="chart gauge">
      {caption ? <figcaption>{caption}</figcaption> : null}
      <svg role="img" aria-label={label} width={120} height={120} viewBox="0 0 120 120" className={`tone-${tone}`}>
        <circle cx={60} cy={60} r={RADIUS} className="gauge-track" />
        <circle
          cx={60}
          cy={60}
          r={RADIUS}
          className="gauge-fill"
          strokeDasharray={`${share * CIRCUMFERENCE} ${CIRCUMFERENCE}`}
          transform="rotate(-90 60 60)"
        />
        <text x={60} y={66} textAnchor="middle" className="gauge-text">
          {ratioText}
        </text>
      </svg>
      {detail ? <p className="gauge-detail">{detail}</p> : null}
    </figure>
  );
}
