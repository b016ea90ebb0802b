import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { takeTokenFromFragment } from './admin-api.ts';
import { Console } from './console.tsx';
import { LangProvider } from './lang.tsx';
import '../base.css';
import './admin.css';

// Before anything renders: the token must leave the address bar even if the page fails later.
takeTokenFromFragment();

const root = document.getElementById('root');
if (!root) throw new Error('admin/index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <LangProvider>
      <Console />
    </LangProvider>
  </StrictMode>,
);
