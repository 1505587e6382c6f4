import { plural } from '../words';
import { Badge, Card, Dot, Empty, ErrorText, When } from '../components/ui';
import { call } from '../stores/session';
import { useAction, useQuery } from '../use-query';
import { channelDetail, channelName, HEALTH_WORDS, healthName, modeName, uptimeText } from './words';

// What the owner checks first: the model, each channel (with pause/resume), approvals waiting,
// the next scheduled runs, and anything unwell. The shell gives the page its <h1>.

function ChannelLine({ channel, state, detail }: { channel: string; state: string; detail: string | null }) {
  const said = channelDetail(channel, detail);
  return (
    <span className="grow">
      {said ? <span className="muted">{said.text}</span> : null}
      {said?.details ? (
        <details className="error-details">
          <summary>Details</summary>
          <code>{said.details}</code>
        </details>
      ) : null}
      <span className="visually-hidden">{` (${state})`}</span>
    </span>
  );
}

export function OverviewPage() {
  const status = useQuery('system.status', undefined, ['channel.status', 'settings.changed']);
  const tray = useQuery('tray.snapshot', undefined, ['tray.changed']);
  const schedules = useQuery('schedules.list', undefined, ['schedule.fired']);
  const action = useAction();
  const s = status.data;
  const next = (schedules.data?.items ?? []).filter((j) => j.enabled && j.nextRunAt).slice(0, 5);
  const unwell = s ? Object.entries(s.domains).filter(([, d]) => d.status !== 'ok') : [];

  return (
    <>
      <ErrorText error={status.error ?? tray.error} />
      {s ? (
        <section className="card" data-testid="status" aria-labelledby="about-title">
          <h2 id="about-title">This Perch</h2>
          <dl className="facts">
            {(
              [
                ['Model', tray.data?.model ?? '…'],
                ['Version', s.version],
                ['Mode', modeName(s.mode)],
                ['Uptime', uptimeText(s.uptimeMs)],
                ['Data directory', s.dataDir],
                ['Gateway', s.gateway.url],
                ['Secrets', s.secrets.backend === 'keychain' ? 'OS keychain' : 'A file only you can read (no keychain found)'],
              ] as const
            ).map(([label, value]) => (
              <div key={label}>
                <dt>{label}</dt>
                <dd data-testid={`fact-${label.toLowerCase().replace(/\s+/g, '-')}`}>{value}</dd>
              </div>
            ))}
          </dl>
        </section>
      ) : null}

      <Card title="Channels" testId="overview-channels">
        {tray.data && tray.data.channels.length === 0 ? <Empty title="No chat channels set up">Add a Telegram bot token or link WhatsApp on the Channels page.</Empty> : null}
        <ul className="rows">
          {(tray.data?.channels ?? []).map((c) => (
            <li key={c.channel} className="channel-row">
              <strong>{channelName(c.channel)}</strong> <Badge state={c.state} />
              <ChannelLine channel={c.channel} state={c.state} detail={c.detail} />
              <button className="secondary" disabled={action.busy} onClick={() => void action.run(() => call(c.paused ? 'channels.resume' : 'channels.pause', { channel: c.channel }))}>
                {c.paused ? 'Resume' : 'Pause'}
              </button>
            </li>
          ))}
        </ul>
        <ErrorText error={action.error} />
      </Card>

      <div className="two">
        <Card title="Approvals">
          {tray.data ? (
            <p>
              <a href="#/approvals" data-testid="overview-pending">
                {tray.data.pendingApprovals === 0 ? 'No command waits for you.' : `${plural(tray.data.pendingApprovals, 'command')} waiting for your decision`}
              </a>
            </p>
          ) : null}
        </Card>
        <Card title="Next scheduled runs">
          {next.length === 0 ? <Empty title="Nothing scheduled">Create a job on the Schedules page, or ask in a chat: “remind me at 9 tomorrow…”.</Empty> : null}
          <ul className="rows">
            {next.map((j) => (
              <li key={j.id}>
                <span className="grow">{j.name}</span>
                <When at={j.nextRunAt} />
              </li>
            ))}
          </ul>
        </Card>
      </div>

      {s ? (
        <Card title="Health">
          <ul className="health" data-testid="health">
            {Object.entries(s.domains).map(([name, d]) => (
              <li key={name}>
                <Dot state={d.status} label={HEALTH_WORDS[d.status]} />
                <strong>{healthName(name)}</strong>
                <span>
                  <span className={d.status === 'ok' ? 'muted' : undefined}>{HEALTH_WORDS[d.status]}</span>
                  {d.detail ? (
                    <details className="error-details">
                      <summary>Details</summary>
                      <code>
                        {name}: {d.detail}
                      </code>
                    </details>
                  ) : null}
                </span>
              </li>
            ))}
          </ul>
          {unwell.length ? <p className="muted">Open Details beside a line for what it says; the Settings page has the logs.</p> : null}
        </Card>
      ) : null}
    </>
  );
}
