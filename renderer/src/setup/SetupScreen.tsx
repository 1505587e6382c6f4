import { useEffect } from 'react';
import type { Result } from '../../../main/contract/methods';
import { ErrorText } from '../components/ui';
import { listen, useSession } from '../stores/session';
import { useQuery } from '../use-query';
import { LocalFile } from './LocalFile';
import { OllamaChoice } from './OllamaChoice';
import { OpenAIChoice } from './OpenAIChoice';
import { Recommended } from './Recommended';

// The setup screen: a welcome, the recommended downloads first (the easy way), then the three
// other ways to give Perch a model. The shell's h1 stays above it; this screen starts at h2.

/** "The file…" reads as "…: the file…" after a colon. */
const lowerFirst = (text: string) => (/^[A-Z][a-z]/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text);

export function SetupScreen({ status }: { status: Result<'models.status'> }) {
  const client = useSession((s) => s.client);
  const list = useQuery('models.list', undefined, ['settings.changed']);
  const view = useQuery('settings.get', undefined, ['settings.changed']);
  const { reload } = list;
  useEffect(() => {
    if (!client) return;
    // A finished download is a new file in the models folder.
    return listen('model.progress', (event) => {
      if (event.done) void reload();
    });
  }, [client, reload]);
  const locked = view.data?.overridden.find((o) => o.path === 'models.chat');

  return (
    <div className="setup" data-testid="setup">
      <header className="setup-hero">
        <span className="setup-logo" aria-hidden="true">
          ◆
        </span>
        <div>
          <h2>Set up Perch</h2>
          <p>Perch needs a model to think with. Pick one of these ways — you can change it any time in Settings.</p>
        </div>
      </header>
      {status.state === 'error' ? (
        <div className="setup-problem" data-testid="setup-problem">
          <ErrorText error={{ text: `The chosen chat model does not work${status.detail ? `: ${lowerFirst(status.detail).replace(/\.?$/, '.')}` : '.'} Choose another below.`, details: status.configured, field: null }} />
        </div>
      ) : null}
      {locked ? (
        <p className="setup-note" role="note">
          The chat model is set by {locked.variable} in Perch’s environment: a choice made here is saved, but {locked.variable} wins until it is removed.
        </p>
      ) : null}
      <Recommended dir={list.data?.dir ?? null} />
      <ErrorText error={list.error} />
      <h3 className="setup-others-title">Or bring your own model</h3>
      <div className="setup-others">
        <LocalFile list={list.data} />
        <OllamaChoice list={list.data} />
        <OpenAIChoice />
      </div>
      <p className="setup-footer">
        Channels, memory and the rest are in <a href="#/settings">Settings</a>, which stays open while you set up.
      </p>
    </div>
  );
}
