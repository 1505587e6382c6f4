import { useEffect, useRef, useState } from 'react';
import { Card, Empty, ErrorText } from '../components/ui';
import { useQuery } from '../use-query';
import { JobRows } from './JobRows';
import { ScheduleForm } from './ScheduleForm';
import type { Job } from './words';
import './schedules.css';

// Scheduled jobs: the list (JobRows) and the form for a new job or the one being edited.

export function SchedulesPage() {
  const list = useQuery('schedules.list', undefined, ['schedule.fired']);
  const [editing, setEditing] = useState<Job | null>(null);
  const jobs = list.data?.items ?? [];
  const formRef = useRef<HTMLDivElement>(null);

  // A job deleted (or changed elsewhere) while being edited: stop editing it.
  const editingGone = editing !== null && list.data !== null && !jobs.some((j) => j.id === editing.id);
  useEffect(() => {
    if (editingGone) setEditing(null);
  }, [editingGone]);

  const edit = (job: Job) => {
    setEditing(job);
    formRef.current?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  };

  return (
    <>
      <Card title={`Scheduled jobs${jobs.length ? ` (${jobs.length})` : ''}`} testId="schedules-list">
        <ErrorText error={list.error} />
        {list.data && jobs.length === 0 ? (
          <Empty title="No scheduled jobs yet">Create one with the form below — a reminder, a daily briefing, a check every hour — or ask in a chat: “remind me at 9 tomorrow to…”.</Empty>
        ) : null}
        {jobs.length ? (
          <div className="sched-table-wrap" tabIndex={0} role="region" aria-label="Scheduled jobs table">
            <table className="grid sched-table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Schedule</th>
                  <th scope="col">Goes to</th>
                  <th scope="col">State</th>
                  <th scope="col">Next run</th>
                  <th scope="col">Last run</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              {jobs.map((job) => (
                <JobRows key={job.id} job={job} onEdit={edit} onChanged={list.reload} />
              ))}
            </table>
          </div>
        ) : null}
      </Card>
      <div ref={formRef}>
        <ScheduleForm
          key={editing?.id ?? 'new'}
          job={editing}
          onSaved={() => {
            setEditing(null);
            void list.reload();
          }}
          onCancel={() => setEditing(null)}
        />
      </div>
    </>
  );
}
