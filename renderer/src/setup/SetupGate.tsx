import { useEffect, useState, type ReactNode } from 'react';
import { ErrorText } from '../components/ui';
import { listen, useSession } from '../stores/session';
import { useQuery } from '../use-query';
import { SetupScreen } from './SetupScreen';
import './setup.css';

// First-run setup: while no chat model works (none chosen, or the chosen one fails), every page
// but Settings shows the setup screen instead; while the chosen model loads, a short wait; once
// it is ready, the page itself. Checked again when the settings change, when a download ends,
// and every second while a model is loading (loading has no event of its own).

const LOADING_POLL_MS = 1_000;

function useOnSettings(): boolean {
  const [onSettings, setOnSettings] = useState(() => window.location.hash.startsWith('#/settings'));
  useEffect(() => {
    const update = () => setOnSettings(window.location.hash.startsWith('#/settings'));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return onSettings;
}

/** The file name of a llama: spec, or the spec itself, for the loading line. */
const shortName = (spec: string | null) => (spec?.startsWith('llama:') ? (spec.split(/[\\/]/).pop() ?? spec) : spec);

export function SetupGate({ children }: { children: ReactNode }) {
  const onSettings = useOnSettings();
  const client = useSession((s) => s.client);
  const status = useQuery('models.status', undefined, ['settings.changed']);
  const state = status.data?.state ?? null;
  const { reload } = status;

  useEffect(() => {
    if (!client) return;
    return listen('model.progress', (event) => {
      if (event.done && !event.error) void reload();
    });
  }, [client, reload]);
  useEffect(() => {
    if (state !== 'loading') return;
    const timer = setInterval(() => void reload(), LOADING_POLL_MS);
    return () => clearInterval(timer);
  }, [state, reload]);

  if (onSettings || state === 'ready') return <>{children}</>;
  if (!status.data) {
    return status.error ? <ErrorText error={status.error} /> : <p className="muted setup-checking" role="status">Checking the model…</p>;
  }
  if (state === 'loading') {
    return (
      <section className="setup-loading" role="status" data-testid="setup-loading">
        <span className="setup-spinner" aria-hidden="true" />
        <div>
          <h2>Loading the model…</h2>
          <p className="setup-help">{shortName(status.data.configured) ?? 'The chat model'} is starting; the first time can take a little while.</p>
        </div>
      </section>
    );
  }
  return <SetupScreen status={status.data} />;
}
