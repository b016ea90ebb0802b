import { useId, useState, type FormEvent } from 'react';
import { ApiError, adminApi, adminPaths, NETWORK_ERROR, type EmulatorFaults, type FaultSettings } from '../admin-api.ts';
import { ErrorNotice, LoadStatus, Section } from '../components.tsx';
import { useTexts } from '../lang.tsx';
import { emulatedSystemLabel } from '../texts.ts';
import { useData } from '../use-data.ts';

/** The demo's fault switches of every emulated department system (one system serves every city). */
export function FaultSwitches() {
  const { t } = useTexts();
  const faults = useData('emulator-faults', (signal) => adminApi<EmulatorFaults>(adminPaths.emulatorFaults(), { signal }));
  return (
    <Section id="fault-switches" title={t.faultsTitle}>
      <p className="page-note">{t.faultsIntro}</p>
      <LoadStatus data={faults} />
      {faults.data ? (
        <div className="fault-grid">
          {faults.data.departments.map((department) => (
            <FaultForm key={department.name} name={department.name} initial={department.settings} />
          ))}
        </div>
      ) : null}
    </Section>
  );
}

interface Draft {
  readonly latencyMs: string;
  readonly failRate: string;
  readonly throttleRate: string;
  readonly hang: boolean;
  readonly down: boolean;
}

const draftOf = (settings: FaultSettings): Draft => ({
  latencyMs: String(settings.latencyMs),
  failRate: String(settings.failRate),
  throttleRate: String(settings.throttleRate),
  hang: settings.hang,
  down: settings.down,
});

const isFaulty = (s: FaultSettings) => s.latencyMs > 0 || s.failRate > 0 || s.throttleRate > 0 || s.hang || s.down;

function FaultForm({ name, initial }: { name: string; initial: FaultSettings }) {
  const { t, lang } = useTexts();
  const id = useId();
  const [settings, setSettings] = useState(initial);
  const [draft, setDraft] = useState(() => draftOf(initial));
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ message: string } | { error: ApiError } | null>(null);

  // Controls stay enabled while a change is sent, so focus stays where it was; a second press waits.
  const send = async (request: () => Promise<{ settings: FaultSettings }>, done: string) => {
    if (busy) return;
    setBusy(true);
    setOutcome(null);
    try {
      const answer = await request();
      setSettings(answer.settings);
      setDraft(draftOf(answer.settings));
      setOutcome({ message: done });
    } catch (failure) {
      setOutcome({ error: failure instanceof ApiError ? failure : new ApiError(0, NETWORK_ERROR, String(failure)) });
    } finally {
      setBusy(false);
    }
  };

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const body: FaultSettings = {
      latencyMs: Math.round(Number(draft.latencyMs) || 0),
      failRate: Number(draft.failRate) || 0,
      throttleRate: Number(draft.throttleRate) || 0,
      hang: draft.hang,
      down: draft.down,
    };
    void send(() => adminApi(adminPaths.emulatorFault(name), { method: 'PUT', body }), t.faultsApplied);
  };
  const reset = () => void send(() => adminApi(adminPaths.emulatorFault(name), { method: 'DELETE' }), t.faultsReset);
  const field = (key: keyof Draft) => `${id}-${key}`;

  return (
    <form className={`fault-form${isFaulty(settings) ? ' fault-on' : ''}`} onSubmit={apply}>
      <fieldset aria-busy={busy}>
        <legend>
          {emulatedSystemLabel(name, lang)} <span className="row-id">{name}</span>{' '}
          <span className={`badge ${isFaulty(settings) ? 'breaker-open' : 'breaker-closed'}`}>{isFaulty(settings) ? t.faultsActive : t.faultsNone}</span>
        </legend>
        <div className="fault-fields">
          <label htmlFor={field('latencyMs')}>{t.latencyMsLabel}</label>
          <input id={field('latencyMs')} type="number" inputMode="numeric" min={0} max={120000} step={10} required value={draft.latencyMs} onChange={(e) => setDraft({ ...draft, latencyMs: e.target.value })} />
          <label htmlFor={field('failRate')}>{t.failRateLabel}</label>
          <input id={field('failRate')} type="number" inputMode="decimal" min={0} max={1} step={0.05} required value={draft.failRate} onChange={(e) => setDraft({ ...draft, failRate: e.target.value })} />
          <label htmlFor={field('throttleRate')}>{t.throttleRateLabel}</label>
          <input id={field('throttleRate')} type="number" inputMode="decimal" min={0} max={1} step={0.05} required value={draft.throttleRate} onChange={(e) => setDraft({ ...draft, throttleRate: e.target.value })} />
        </div>
        <div className="fault-checks">
          <input id={field('hang')} type="checkbox" checked={draft.hang} onChange={(e) => setDraft({ ...draft, hang: e.target.checked })} aria-describedby={`${field('hang')}-hint`} />
          <label htmlFor={field('hang')}>{t.hangLabel}</label>
          <span id={`${field('hang')}-hint`} className="hint">
            {t.hangHint}
          </span>
          <input id={field('down')} type="checkbox" checked={draft.down} onChange={(e) => setDraft({ ...draft, down: e.target.checked })} aria-describedby={`${field('down')}-hint`} />
          <label htmlFor={field('down')}>{t.downLabel}</label>
          <span id={`${field('down')}-hint`} className="hint">
            {t.downHint}
          </span>
        </div>
        <div className="form-actions">
          <button type="submit" className="button">
            {busy ? t.applying : t.applyFaults}
          </button>
          <button type="button" className="button button-quiet" onClick={reset}>
            {t.resetFaults}
          </button>
        </div>
        <div role="status" className="form-status">
          {outcome && 'message' in outcome ? outcome.message : null}
        </div>
        {outcome && 'error' in outcome ? <ErrorNotice error={outcome.error} /> : null}
      </fieldset>
    </form>
  );
}
