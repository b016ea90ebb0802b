import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { namedEntrance } from './entrance.ts';
import { takeHandoffCode } from './handoff.ts';
import { LangProvider } from './i18n.tsx';
import { keepSessionPerEntrance } from './session.ts';
import './base.css';
import './styles.css';

// Before anything renders: the code must leave the address bar even if the page fails later.
const handoffCode = takeHandoffCode();

// A frame that names its entrance shows that entrance's skin from the first paint, with its own login.
const framed = namedEntrance();
keepSessionPerEntrance(framed);
if (framed) document.documentElement.dataset.entrance = framed;

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <LangProvider>
      <App handoffCode={handoffCode} />
    </LangProvider>
  </StrictMode>,
);
