import { plural } from '../words';
import { Card } from '../components/ui';
import { num, select, type Field } from './fields';
import type { View } from './paths';
import { SettingsForm } from './SettingsForm';

// The sections that are a settings form and little else: approvals, the assistant and memory,
// the channels' policies, the scheduler and the gateway's rate limit.

type Props = { view: View; onSaved: () => void };

export function ApprovalsSection({ view, onSaved, rules }: Props & { rules: number | undefined }) {
  return (
    <Card title="Approval policy" testId="settings-approvals">
      <SettingsForm
        view={view}
        onSaved={onSaved}
        submitLabel="Save approval policy"
        groups={[
          {
            legend: 'Commands',
            fields: [
              select('approvals.policy', 'When a command is not covered by a rule', { ask: 'Ask me (approve or deny)', allowlist: 'Run only what a rule allows, never ask', deny: 'Run nothing' }),
              num('approvals.expirySeconds', 'An unanswered request is denied after', undefined, { unit: 'seconds' }),
            ],
          },
          {
            legend: 'Limits for a command that runs',
            fields: [
              num('exec.timeoutSeconds', 'Stopped after', 'The whole process group is killed', { unit: 'seconds' }),
              num('exec.maxOutputBytes', 'Output kept per stream', 'More is counted and dropped', { unit: 'bytes' }),
            ],
          },
        ]}
      />
      <p className="muted">
        {rules === undefined ? null : rules === 0 ? 'No “always allow” rules yet. ' : `${plural(rules, '“always allow” rule')}. `}
        <a href="#/approvals">Manage rules and pending approvals on the Approvals page.</a>
      </p>
    </Card>
  );
}

export function AssistantSection({ view, onSaved }: Props) {
  return (
    <Card title="Assistant & memory" testId="settings-assistant">
      <SettingsForm
        view={view}
        onSaved={onSaved}
        submitLabel="Save assistant settings"
        groups={[
          {
            fields: [
              num('agent.maxReplyTokens', 'Longest reply', 'The model’s context window may allow less', { unit: 'tokens' }),
              num('memory.recallLimit', 'Memory passages recalled per message', '0 turns recall off'),
              num('memory.vectorWeight', 'Weight of matches by meaning', 'In the combined ranking', { step: 0.1 }),
              num('memory.keywordWeight', 'Weight of keyword matches', 'In the combined ranking', { step: 0.1 }),
            ],
          },
        ]}
      />
    </Card>
  );
}

const channelFields = (channel: 'telegram' | 'whatsapp'): Field[] => [
  { kind: 'list', path: `${channel}.allowFrom`, label: 'Allowed senders (one per line; the first is the owner)', placeholder: channel === 'telegram' ? 'e.g. 123456789' : 'e.g. +4915112345678' },
  select(`${channel}.dmPolicy`, 'Direct messages', { allowlist: 'Allowed senders only', pairing: 'Allowed senders, and strangers I let in with a pairing code', open: 'Anyone', off: 'No one' }),
  select(`${channel}.groupPolicy`, 'Groups', { off: 'Never answer', mention: 'Answer allowed senders who mention or reply to Perch' }),
  num(`${channel}.pairingTtlMinutes`, 'A pairing code stays valid for', undefined, { unit: 'minutes' }),
];

export function ChannelsSection({ view, onSaved }: Props) {
  return (
    <Card title="Channels" testId="settings-channels">
      <p className="muted">
        Who is answered on each channel. Log in and pause channels on the <a href="#/channels">Channels page</a>; strangers asking to pair are listed there too.
      </p>
      <SettingsForm
        view={view}
        onSaved={onSaved}
        submitLabel="Save channel settings"
        groups={[
          { legend: 'Telegram', fields: [...channelFields('telegram'), { kind: 'text', path: 'telegram.apiRoot', label: 'Bot API root', placeholder: 'https://api.telegram.org', help: 'Empty: Telegram’s own' }] },
          {
            legend: 'WhatsApp',
            fields: [
              { kind: 'boolean', path: 'whatsapp.enabled', label: 'WhatsApp is on', help: 'Starts or stops at once, no restart; then log in with your phone on the Channels page' },
              ...channelFields('whatsapp'),
              { kind: 'text', path: 'whatsapp.webSocketUrl', label: 'WebSocket address', placeholder: 'wss://web.whatsapp.com/ws/chat', help: 'Empty: WhatsApp’s own; set for a proxy. A change reconnects at once' },
            ],
          },
        ]}
      />
    </Card>
  );
}

export function SchedulerSection({ view, onSaved }: Props) {
  return (
    <Card title="Scheduler" testId="settings-scheduler">
      <SettingsForm
        view={view}
        onSaved={onSaved}
        submitLabel="Save scheduler settings"
        groups={[
          {
            fields: [
              num('scheduler.maxConcurrentRuns', 'Jobs running at the same time', 'More wait their turn'),
              num('scheduler.catchUpGraceMinutes', 'Catch up a missed run if at most this late', 'Missed while the computer slept or was off', { unit: 'minutes' }),
              num('scheduler.deliveryAttempts', 'Delivery attempts before a run fails'),
              { kind: 'target', path: 'scheduler.failureChat', label: 'Also report failed runs in', help: 'Failures always show in the dashboard chat' },
            ],
          },
        ]}
      />
    </Card>
  );
}

export function GatewaySection({ view, onSaved }: Props) {
  return (
    <Card title="Gateway" testId="settings-gateway">
      <SettingsForm
        view={view}
        onSaved={onSaved}
        submitLabel="Save rate limit"
        groups={[{ legend: 'Rate limit per connection', fields: [num('gateway.rateLimit.perSecond', 'Requests per second'), num('gateway.rateLimit.burst', 'Burst', 'Requests allowed at once before the limit applies')] }]}
      />
    </Card>
  );
}
