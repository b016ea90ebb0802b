import { useEffect, useId, useState } from 'react';
import { api } from '../api.ts';
import { useResource } from '../resource.ts';
import { useDemoText } from '../texts/demo.ts';
import '../styles/demo.css';

/** A resident of the emulated world, as the hub's demo mode lists them (`listDemoResidents`). */
export interface DemoResident {
  readonly number: number;
  readonly name: string;
  readonly sex: 'male' | 'female';
  readonly birthDate: string;
  readonly phone: string;
  readonly nationalId: string;
  readonly plate: string;
  readonly waterAccount: string;
  readonly electricityAccount: string;
  readonly gasAccount: string;
  readonly libraryCard: string;
  readonly inspectionDueOn?: string;
  readonly platformUserIds: Readonly<Record<'alipay' | 'wechat' | 'weibo' | 'taobao', string>>;
}

/** The chosen resident and the city they live in. */
export interface ChosenDemoResident extends DemoResident {
  readonly cityId: string;
}

const CHOSEN_KEY = 'hutong.demoResident';
const SHOWN = 6;

/** The resident this tab is trying the demo as, once one was chosen. */
export function chosenDemoResident(): ChosenDemoResident | null {
  try {
    const stored = window.sessionStorage.getItem(CHOSEN_KEY);
    return stored ? (JSON.parse(stored) as ChosenDemoResident) : null;
  } catch {
    return null;
  }
}

function rememberDemoResident(resident: ChosenDemoResident): void {
  try {
    window.sessionStorage.setItem(CHOSEN_KEY, JSON.stringify(resident));
  } catch {
    // the choice still fills the form in front of the person
  }
}

/**
 * In demo mode, a folded panel listing some residents of the emulated world in a city; choosing
 * one hands them to `onChoose` (and remembers them for this tab). Outside demo mode the hub has no
 * such list and nothing is shown.
 */
export function DemoResidentPicker({ cityId, onChoose }: { cityId: string; onChoose(resident: ChosenDemoResident): void }) {
  const d = useDemoText();
  const introId = useId();
  const [chosen, setChosen] = useState<string | null>(null);
  const residents = useResource(`demo-residents:${cityId}`, (signal) =>
    api<{ cityId: string; residents: DemoResident[] }>(`/v1/demo/residents?cityId=${encodeURIComponent(cityId)}&count=${SHOWN}`, { signal }),
  );
  if (!residents.data) return null;
  const choose = (resident: DemoResident) => {
    const withCity = { ...resident, cityId: residents.data?.cityId ?? cityId };
    rememberDemoResident(withCity);
    setChosen(resident.name);
    onChoose(withCity);
  };
  return (
    <details className="card demo-panel">
      <summary>{d.pickerTitle}</summary>
      <p className="hint" id={introId}>
        {d.pickerIntro}
      </p>
      <ul className="demo-residents" aria-describedby={introId}>
        {residents.data.residents.map((resident) => (
          <li key={resident.number} className="slot">
            <div className="slot-text">
              <strong>{resident.name}</strong>
              <span className="hint">
                {d.residentSummary(resident.sex, resident.birthDate.slice(0, 4))}
                {resident.inspectionDueOn ? ` · ${d.inspectionDue(resident.inspectionDueOn)}` : ''}
              </span>
            </div>
            <button type="button" className="button button-small" onClick={() => choose(resident)}>
              {d.choose(resident.name)}
            </button>
          </li>
        ))}
      </ul>
      {chosen ? (
        <p className="notice notice-ok" role="status">
          {d.chosen(chosen)}
        </p>
      ) : null}
    </details>
  );
}

const POLL_MS = 1_500;

/**
 * In demo mode, the emulated handset of `phone`: the newest text it received since `since`,
 * asked for every 1.5 s, with a button that hands the 6-digit code in it to `onCode`.
 */
export function DemoPhone({ phone, since, onCode }: { phone: string; since: string; onCode(code: string): void }) {
  const d = useDemoText();
  const [text, setText] = useState<string | null>(null);
  const [available, setAvailable] = useState(true);

  useEffect(() => {
    let stopped = false;
    let timer: number | undefined;
    const controller = new AbortController();
    const look = async () => {
      try {
        const inbox = await api<{ messages: Array<{ text: string; receivedAt: string }> }>(`/v1/demo/phones/${encodeURIComponent(phone)}/messages`, { signal: controller.signal });
        const newest = inbox.messages.find((message) => message.receivedAt >= since);
        if (newest) {
          setText(newest.text);
          return;
        }
      } catch {
        // not in demo mode, or the emulated phone cannot be reached: the person reads their own phone
        if (!stopped) setAvailable(false);
        return;
      }
      if (!stopped) timer = window.setTimeout(look, POLL_MS);
    };
    void look();
    return () => {
      stopped = true;
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [phone, since]);

  if (!available) return null;
  const code = text ? /\d{6}/.exec(text)?.[0] : undefined;
  return (
    <section className="demo-phone" aria-label={d.phoneTitle(phone)}>
      <p className="demo-phone-title">{d.phoneTitle(phone)}</p>
      <p className="demo-phone-text" aria-live="polite">
        {text ?? d.phoneWaiting}
      </p>
      {code ? (
        <button type="button" className="button button-link" onClick={() => onCode(code)}>
          {d.fillCode}
        </button>
      ) : null}
    </section>
  );
}
