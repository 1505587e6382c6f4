import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { call } from './stores/session';
import './styles.css';

// The dashboard's own errors go into Perch's log, next to the core's (best effort: not when offline).
const report = (message: string, source?: string) => void call('system.report', { level: 'error', message: message.slice(0, 4000), ...(source ? { source: source.slice(0, 500) } : {}) }).catch(() => undefined);
window.addEventListener('error', (event) => report(event.message, `${event.filename}:${event.lineno}`));
window.addEventListener('unhandledrejection', (event) => report(event.reason instanceof Error ? event.reason.message : String(event.reason), 'unhandled rejection'));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
