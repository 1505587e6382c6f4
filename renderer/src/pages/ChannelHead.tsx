import type { Result } from '../../../main/contract/methods';
import { Badge, ErrorText, When } from '../components/ui';
import { call } from '../stores/session';
import { useAction } from '../use-query';
import { channelDetail } from './words';

// A channel's state, Pause/Resume, and what its state means in a sentence on a full-width row of
// its own (a problem with its raw error under Details, and when Perch tries again).

export type ChannelView = Result<'channels.list'>['items'][number];

export function ChannelHead({ view, hideDetail = false }: { view: ChannelView; hideDetail?: boolean }) {
  const action = useAction();
  const said = hideDetail ? null : channelDetail(view.channel, view.detail);
  const problem = view.state === 'error' || view.state === 'logged-out';
  return (
    <>
      <div className="channel-head">
        <Badge state={view.state} />
        {view.paused ? <Badge state="paused" /> : null}
        <span className="grow" />
        <button className="secondary" disabled={action.busy} onClick={() => void action.run(() => call(view.paused ? 'channels.resume' : 'channels.pause', { channel: view.channel }))}>
          {view.paused ? 'Resume' : 'Pause'}
        </button>
      </div>
      {said ? (
        <div className={problem ? 'channel-detail channel-problem' : 'channel-detail'} data-testid={`channel-detail-${view.channel}`}>
          {problem ? <ErrorText error={{ ...said, field: null }} /> : <p>{said.text}</p>}
          {view.nextRetryAt ? (
            <p className="muted channel-next-try">
              Next try: <When at={view.nextRetryAt} />.
            </p>
          ) : null}
          {!problem && said.details ? (
            <details className="error-details">
              <summary>Details</summary>
              <code>{said.details}</code>
            </details>
          ) : null}
        </div>
      ) : null}
      <ErrorText error={action.error} />
    </>
  );
}
