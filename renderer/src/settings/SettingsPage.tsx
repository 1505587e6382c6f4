import { Card, ErrorText } from '../components/ui';
import { fieldName } from '../problems';
import { useQuery } from '../use-query';
import { DesktopSection } from './DesktopSection';
import { ApprovalsSection, AssistantSection, ChannelsSection, GatewaySection, SchedulerSection } from './FormSections';
import { LogsSection } from './LogsSection';
import { ModelsSection } from './models/ModelsSection';
import { PricesSection } from './PricesSection';
import { PrivacySection } from './PrivacySection';
import { PromptSection } from './PromptSection';
import { TokenSection } from './TokenSection';
import type { View } from './paths';
import './settings.css';

// Everything the owner can change, one section each. A setting forced by an environment
// variable is shown read-only with the variable's name. The shell gives the page its h1.

const SECTIONS: Array<[string, string]> = [
  ['settings-models', 'Models'],
  ['settings-prompt', 'System prompt'],
  ['settings-approvals', 'Approvals'],
  ['settings-assistant', 'Assistant & memory'],
  ['settings-channels', 'Channels'],
  ['settings-privacy', 'Privacy & limits'],
  ['settings-scheduler', 'Scheduler'],
  ['settings-prices', 'Usage prices'],
  ['settings-gateway', 'Gateway'],
  ['settings-desktop', 'Desktop app'],
  ['settings-token', 'Gateway token'],
  ['settings-logs', 'Logs'],
];

function goTo(testId: string) {
  const section = document.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
  if (!section) return;
  section.setAttribute('tabindex', '-1');
  section.scrollIntoView({ behavior: 'smooth', block: 'start' });
  section.focus({ preventScroll: true });
}

/** A setting's name for people; its path where it has none. */
function nameOf(path: string): string {
  const name = fieldName(`patch.${path}`);
  return name && name !== 'Settings' && !name.endsWith(' settings') ? name : path;
}

function Overridden({ view }: { view: View }) {
  if (view.overridden.length === 0) return null;
  return (
    <div className="note" data-testid="settings-overridden">
      <strong>Set by environment variables</strong> (read-only here; they win over saved values):
      <ul>
        {view.overridden.map((o) => (
          <li key={o.path} title={o.path}>
            {nameOf(o.path)}: <code>{o.variable}</code>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Intro({ view, error }: { view: View | null; error: Parameters<typeof ErrorText>[0]['error'] }) {
  return (
    <div className="card settings-intro">
      <p className="muted">A saved change applies at once; nothing needs a restart unless it says so.</p>
      <nav className="settings-toc" aria-label="Settings sections">
        {SECTIONS.map(([id, label]) => (
          <button key={id} type="button" className="secondary" onClick={() => goTo(id)}>
            {label}
          </button>
        ))}
      </nav>
      {view ? <Overridden view={view} /> : null}
      <ErrorText error={error} />
    </div>
  );
}

export function SettingsPage() {
  const settings = useQuery('settings.get', undefined, ['settings.changed']);
  const status = useQuery('system.status', undefined, ['settings.changed']);
  const view = settings.data;
  const reload = () => void settings.reload();
  const rules = useQuery('approvals.rules.list', undefined, ['approval.resolved']);
  const loading = (title: string, testId: string) => (
    <Card title={title} testId={testId}>
      <p className="muted">{settings.loading ? 'Loading settings…' : null}</p>
    </Card>
  );

  return (
    <div className="settings-page">
      <Intro view={view} error={settings.error} />
      {view ? <ModelsSection view={view} onSaved={reload} /> : loading('Models', 'settings-models')}
      <PromptSection />
      {view ? (
        <>
          <ApprovalsSection view={view} onSaved={reload} rules={rules.data?.items.length} />
          <AssistantSection view={view} onSaved={reload} />
          <ChannelsSection view={view} onSaved={reload} />
          <PrivacySection view={view} onSaved={reload} />
          <SchedulerSection view={view} onSaved={reload} />
          <PricesSection view={view} onSaved={reload} />
          <GatewaySection view={view} onSaved={reload} />
        </>
      ) : (
        loading('Approval policy', 'settings-approvals')
      )}
      <DesktopSection />
      <TokenSection status={status.data} />
      {view ? <LogsSection view={view} status={status.data} onSaved={reload} reloadStatus={() => void status.reload()} /> : loading('Logs', 'settings-logs')}
    </div>
  );
}
