import { Badge, Card, ErrorText } from '../components/ui';
import { call } from '../stores/session';
import { useAction, useQuery } from '../use-query';

// The desktop app: start at login, automatic updates, and the update's state.

const UPDATE_WORDS: Record<string, [string, string]> = {
  unavailable: ['stopped', 'not available here'],
  disabled: ['stopped', 'off'],
  idle: ['ok', 'up to date'],
  checking: ['running', 'checking'],
  downloading: ['running', 'downloading'],
  ready: ['ok', 'ready to install'],
  error: ['error', 'failed'],
};

export function DesktopSection() {
  const updates = useQuery('updates.status', undefined, ['update.status']);
  const settings = useQuery('settings.get', undefined, ['settings.changed']);
  const action = useAction();
  const desktop = settings.data?.settings.desktop;
  const u = updates.data;
  const toggle = (key: 'launchAtLogin' | 'autoUpdate', value: boolean) => void action.run(() => call('settings.update', { patch: { desktop: { [key]: value } } }));
  const [tone, label] = u ? (UPDATE_WORDS[u.state] ?? ['stopped', u.state]) : ['stopped', '…'];
  return (
    <Card title="Desktop app" testId="settings-desktop">
      {desktop ? (
        <div className="form">
          <label className="check">
            <input type="checkbox" checked={desktop.launchAtLogin} onChange={(e) => toggle('launchAtLogin', e.target.checked)} /> Start Perch when I log in (to the tray)
          </label>
          <label className="check">
            <input type="checkbox" checked={desktop.autoUpdate} onChange={(e) => toggle('autoUpdate', e.target.checked)} /> Download updates automatically
          </label>
        </div>
      ) : null}
      <p data-testid="update-status">
        Updates: {u ? <Badge state={tone} label={label} /> : '…'} {u?.version ? `version ${u.version} ` : ''}
        {u?.percent !== null && u?.percent !== undefined ? `${u.percent} % ` : ''}
        <span className="muted">{u?.detail}</span>
      </p>
      {u?.state === 'downloading' && u.percent !== null ? <progress max={100} value={u.percent} aria-label="Update download" /> : null}
      {u?.state === 'ready' ? (
        <button type="button" disabled={action.busy} onClick={() => void action.run(() => call('updates.install'))}>
          Restart to update
        </button>
      ) : null}
      <ErrorText error={action.error ?? updates.error} />
    </Card>
  );
}
