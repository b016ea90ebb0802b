import type { ReactNode } from 'react';

/** Label–value pairs of a record, as the generic card shows them; empty values are left out. */
export function Fields({ rows }: { rows: readonly (readonly [label: string, value: ReactNode | null | undefined])[] }) {
  return (
    <dl className="fields">
      {rows
        .filter(([, value]) => value !== null && value !== undefined && value !== '')
        .map(([label, value]) => (
          <div key={label} className="field">
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
    </dl>
  );
}

/** A record field as text, or undefined when the department left it out. */
export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A record field as a number, or undefined. */
export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
