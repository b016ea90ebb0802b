import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { takeHandoffCode } from './handoff.ts';
import { LangProvider } from './i18n.tsx';
import './styles.css';

// Before anything renders: the code must leave the address bar even if the page fails later.
const handoffCode = takeHandoffCode();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <LangProvider>
      <App handoffCode={handoffCode} />
    </LangProvider>
  </StrictMode>,
);
