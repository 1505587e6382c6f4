import { Card, ErrorText, When } from '../components/ui';
import { call } from '../stores/session';
import { useAction, useQuery } from '../use-query';
import { plural } from '../words';
import { num } from './fields';
import type { View } from './paths';
import { SettingsForm } from './SettingsForm';

// Retention and the chat limits, with the last clean-up and a button to run it now.

export function PrivacySection({ view, onSaved }: { view: View; onSaved: () => void }) {
  const privacy = useQuery('privacy.status', undefined, ['settings.changed']);
  const action = useAction();
  const last = privacy.data?.lastSweep;
  return (
    <Card title="Privacy & limits" testId="settings-privacy">
      <SettingsForm
        view={view}
        onSaved={onSaved}
        submitLabel="Save privacy & limits"
        groups={[
          { legend: 'Retention', fields: [num('privacy.retentionDays', 'Keep messages for', '0 keeps them forever; a conversation can keep its own setting', { unit: 'days' })] },
          {
            legend: 'Chat limits',
            fields: [
              num('limits.senderBurst', 'Messages a person may send at once', 'Then the rate below; the rest are skipped with one notice'),
              num('limits.senderPerMinute', 'Then per minute, per person'),
              num('limits.maxQueuedMessages', 'Messages waiting for the model, at most', 'More wait their turn and the chat is told once'),
              num('limits.globalPerMinute', 'Messages taken on per minute, everyone together', 'A minute’s worth may come at once; more wait their turn'),
            ],
          },
        ]}
      />
      <p data-testid="retention-status">
        Last clean-up:{' '}
        {last ? (
          <>
            <When at={last.at} /> — {plural(last.messages, 'message')}, {plural(last.conversations, 'conversation')} deleted
          </>
        ) : (
          'not yet'
        )}
        {privacy.data ? (
          <span className="muted">
            {' '}
            · next <When at={privacy.data.nextSweepAt} />
          </span>
        ) : null}
      </p>
      <button
        type="button"
        className="secondary"
        disabled={action.busy}
        onClick={() =>
          void action.run(async () => {
            await call('privacy.sweep');
            await privacy.reload();
          })
        }
      >
        Clean up now
      </button>
      <ErrorText error={action.error ?? privacy.error} />
    </Card>
  );
}
