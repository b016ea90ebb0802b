import { useEffect, useId, useRef, useState, useSyncExternalStore, type KeyboardEvent } from 'react';
import { api, apiPath, type City } from '../api.ts';
import { ENTRANCE_IDS, entranceFrameName, type EntranceId } from '../entrance.ts';
import { useText } from '../i18n.tsx';
import { useResource } from '../resource.ts';
import { navigate, useLocation } from '../navigation.tsx';
import { pages } from '../router.tsx';

const NARROW = '(max-width: 600px)';

function subscribeToWidth(listener: () => void): () => void {
  const query = window.matchMedia(NARROW);
  query.addEventListener('change', listener);
  return () => query.removeEventListener('change', listener);
}

/** Whether the window is too narrow for a phone frame (a phone itself). */
function useNarrow(): boolean {
  return useSyncExternalStore(subscribeToWidth, () => window.matchMedia(NARROW).matches);
}

function isEntranceId(value: string | null): value is EntranceId {
  return value !== null && (ENTRANCE_IDS as readonly string[]).includes(value);
}

/** The entrance switcher: a tablist, arrows (and Home/End) move, Enter or Space opens. */
function EntranceTabs({ chosen, onChoose, panelId, tabId }: { chosen: EntranceId; onChoose(id: EntranceId): void; panelId(id: EntranceId): string; tabId(id: EntranceId): string }) {
  const { t } = useText();
  const tabs = useRef(new Map<EntranceId, HTMLButtonElement>());
  const move = (event: KeyboardEvent<HTMLButtonElement>, from: EntranceId) => {
    const at = ENTRANCE_IDS.indexOf(from);
    const last = ENTRANCE_IDS.length - 1;
    const to = { ArrowDown: at + 1, ArrowRight: at + 1, ArrowUp: at - 1, ArrowLeft: at - 1, Home: 0, End: last }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    tabs.current.get(ENTRANCE_IDS[(to + ENTRANCE_IDS.length) % ENTRANCE_IDS.length]!)?.focus();
  };
  return (
    <div className="demo-tabs" role="tablist" aria-label={t.demoSwitcherLabel} aria-orientation="vertical">
      {ENTRANCE_IDS.map((id) => (
        <button
          key={id}
          ref={(element) => {
            if (element) tabs.current.set(id, element);
            else tabs.current.delete(id);
          }}
          type="button"
          role="tab"
          id={tabId(id)}
          className="demo-tab"
          data-entrance-tab={id}
          aria-selected={id === chosen}
          aria-controls={panelId(id)}
          tabIndex={id === chosen ? 0 : -1}
          onKeyDown={(event) => move(event, id)}
          onClick={() => onChoose(id)}
        >
          <span className="demo-tab-mark" aria-hidden="true" />
          {t.entranceNames[id]}
        </button>
      ))}
    </div>
  );
}

/**
 * The app as each entrance shows it, in a phone frame, for trying the entrances side by side: each
 * frame is named `hutong-entrance-<id>`, which the app inside reads as its entrance. A frame stays
 * open once opened, so switching back finds it as it was, logged in or not.
 */
export function DemoPage() {
  const { t, lang, setLang, pick } = useText();
  const { search } = useLocation();
  const narrow = useNarrow();
  const base = useId();
  const chosen: EntranceId = isEntranceId(search.get('entrance')) ? (search.get('entrance') as EntranceId) : 'alipay';
  const cityId = search.get('city') ?? '';
  const [opened, setOpened] = useState<ReadonlySet<EntranceId>>(() => new Set([chosen]));
  const cities = useResource('cities', (signal) => api<{ items: City[] }>(apiPath.cities(), { signal }));
  const appUrl = pages.home(cityId || undefined);

  // The choice lives in the address, so a demo can be linked to as it is.
  const show = (entrance: EntranceId, city: string) => {
    const query = new URLSearchParams({ entrance });
    if (city) query.set('city', city);
    navigate(`${pages.demo()}?${query}`, { replace: true });
  };
  useEffect(() => setOpened((previous) => (previous.has(chosen) ? previous : new Set([...previous, chosen]))), [chosen]);
  const choose = (id: EntranceId) => show(id, cityId);
  const tabId = (id: EntranceId) => `${base}-tab-${id}`;
  const panelId = (id: EntranceId) => `${base}-panel-${id}`;

  return (
    <main id="main" className="demo">
      <div className="demo-side">
        <div className="demo-top">
          <h1 tabIndex={-1}>{t.demoTitle}</h1>
          <button type="button" className="lang-toggle demo-lang" aria-label={t.switchLanguageLabel} onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}>
            <span lang={lang === 'zh' ? 'en' : 'zh-CN'}>{t.switchLanguage}</span>
          </button>
        </div>
        <p className="intro">{t.demoIntro}</p>
        <p className="muted">{t.demoLoginNote}</p>
        <div className="form demo-city">
          <label htmlFor={`${base}-city`}>{t.demoCityLabel}</label>
          <select id={`${base}-city`} value={cityId} onChange={(event) => show(chosen, event.target.value)}>
            <option value="">{t.demoCityNone}</option>
            {(cities.data?.items ?? []).map((city) => (
              <option key={city.id} value={city.id}>
                {pick(city.name)}
              </option>
            ))}
          </select>
        </div>
        {narrow ? (
          <>
            <p className="muted">{t.demoNarrowNote}</p>
            <ul className="demo-links">
              {ENTRANCE_IDS.map((id) => (
                <li key={id}>
                  {/* The target names the new page's window: the app there reads it as its entrance. */}
                  <a className="demo-link" data-entrance-link={id} href={appUrl} target={entranceFrameName(id)}>
                    <span className="demo-tab-mark" aria-hidden="true" />
                    {t.demoOpenIn(t.entranceNames[id] ?? id)}
                  </a>
                </li>
              ))}
            </ul>
          </>
        ) : (
          <EntranceTabs chosen={chosen} onChoose={choose} tabId={tabId} panelId={panelId} />
        )}
      </div>
      {narrow ? null : (
        <div className="phone">
          <div className="phone-screen">
            {ENTRANCE_IDS.map((id) => (
              <div key={id} role="tabpanel" id={panelId(id)} aria-labelledby={tabId(id)} className="phone-panel" hidden={id !== chosen}>
                {opened.has(id) || id === chosen ? <iframe name={entranceFrameName(id)} title={t.demoFrameTitle(t.entranceNames[id] ?? id)} src={appUrl} /> : null}
              </div>
            ))}
          </div>
        </div>
      )}
    </main>
  );
}
