import { useState } from 'react';
import { Badge, ErrorText, When } from '../components/ui';
import { call } from '../stores/session';
import { useAction } from '../use-query';
import { History } from './History';
import { RunError, ScheduleWords, targetInWords, type Job } from './words';

// One job in the list: its schedule in words, where it goes, its state, next and last run, and
// what to do with it (run now, enable/disable, edit, its history, delete after a confirmation).

function Actions({ job, busy, onRun, onToggle, onEdit, history, onHistory, onDelete }: { job: Job; busy: boolean; onRun: () => void; onToggle: () => void; onEdit: () => void; history: { shown: boolean; id: string }; onHistory: () => void; onDelete: () => void }) {
  return (
    <div className="sched-actions">
      <button type="button" disabled={busy} onClick={onRun}>
        Run now
      </button>
      <button type="button" className="secondary" disabled={busy} onClick={onToggle}>
        {job.enabled ? 'Disable' : 'Enable'}
      </button>
      <button type="button" className="secondary" onClick={onEdit}>
        Edit
      </button>
      <button type="button" className="secondary" aria-expanded={history.shown} aria-controls={history.shown ? history.id : undefined} onClick={onHistory}>
        History
      </button>
      <button type="button" className="danger" disabled={busy} onClick={onDelete}>
        Delete
      </button>
    </div>
  );
}

export function JobRows({ job, onEdit, onChanged }: { job: Job; onEdit: (job: Job) => void; onChanged: () => Promise<void> }) {
  const action = useAction();
  const [confirming, setConfirming] = useState(false);
  const [showHistory, setShowHistory] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const act = async (what: () => Promise<unknown>) => {
    setNote(null);
    await action.run(async () => {
      try {
        await what();
      } finally {
        await onChanged();
      }
    });
  };
  const historyId = `schedule-history-${job.id}`;
  return (
    <tbody data-testid={`schedule-row-${job.name}`} className={job.enabled ? undefined : 'sched-disabled'}>
      <tr>
        <th scope="row">{job.name}</th>
        <td>
          <ScheduleWords spec={job.schedule} />
        </td>
        <td>{targetInWords(job.target)}</td>
        <td>{job.enabled ? <Badge state="ok" label="Enabled" /> : <Badge state="stopped" label="Disabled" />}</td>
        <td>
          <When at={job.nextRunAt} />
        </td>
        <td data-testid="schedule-last-run">
          <When at={job.lastRunAt} /> {job.lastStatus ? <Badge state={job.lastStatus} /> : null}
          {job.lastError ? (
            <div className="sched-last-error">
              <RunError error={job.lastError} />
            </div>
          ) : null}
          {job.consecutiveFailures > 1 ? <div className="muted">{job.consecutiveFailures} failures in a row</div> : null}
        </td>
        <td>
          {confirming ? (
            <div className="sched-confirm" role="group" aria-label={`Delete ${job.name}?`}>
              <span>Delete “{job.name}” and its history?</span>
              <button type="button" className="danger" disabled={action.busy} autoFocus onClick={() => void act(() => call('schedules.delete', { id: job.id })).then(() => setConfirming(false))}>
                Confirm
              </button>
              <button type="button" className="secondary" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </div>
          ) : (
            <Actions
              job={job}
              busy={action.busy}
              onRun={() =>
                void act(async () => {
                  const { run } = await call('schedules.runNow', { id: job.id });
                  setNote(`Run #${run.id} started.`);
                })
              }
              onToggle={() => void act(() => call('schedules.update', { id: job.id, enabled: !job.enabled }))}
              onEdit={() => onEdit(job)}
              history={{ shown: showHistory, id: historyId }}
              onHistory={() => setShowHistory((v) => !v)}
              onDelete={() => setConfirming(true)}
            />
          )}
        </td>
      </tr>
      {action.error || note ? (
        <tr className="sched-subrow">
          <td colSpan={7}>
            <ErrorText error={action.error} />
            {note && !action.error ? (
              <span className="muted" role="status">
                {note}
              </span>
            ) : null}
          </td>
        </tr>
      ) : null}
      {showHistory ? (
        <tr className="sched-subrow" id={historyId}>
          <td colSpan={7}>
            <History job={job} />
          </td>
        </tr>
      ) : null}
    </tbody>
  );
}
