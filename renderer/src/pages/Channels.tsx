import { useState, type FormEvent } from 'react';
import { Card, Empty, ErrorText, When } from '../components/ui';
import { call } from '../stores/session';
import { useAction, useQuery } from '../use-query';
import { ChannelHead, type ChannelView as View } from './ChannelHead';
import './channels.css';
import { WhatsAppCard } from './WhatsAppCard';
import { channelName } from './words';

// Telegram and WhatsApp: state with pause/resume, WhatsApp turned on and logged in with a QR code
// (WhatsAppCard), the Telegram bot token, who is answered, and strangers asking to pair.

function Telegram({ view }: { view: View | undefined }) {
  const [token, setToken] = useState('');
  const action = useAction();
  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (await action.run(() => call('channels.login', { channel: 'telegram', token: token.trim() }))) setToken('');
  };
  return (
    <Card title="Telegram" testId="channel-telegram">
      {view ? <ChannelHead view={view} /> : null}
      <form className="form-row" onSubmit={(e) => void save(e)}>
        <label>
          Bot token (from @BotFather; kept in the keychain)
          <input type="password" value={token} onChange={(e) => setToken(e.target.value)} placeholder="123456789:AAE…" autoComplete="off" data-testid="telegram-token" />
        </label>
        <button type="submit" disabled={!token.trim() || action.busy}>
          Save and connect
        </button>
        {view && view.state !== 'stopped' && view.state !== 'logged-out' ? (
          <button type="button" className="danger" disabled={action.busy} onClick={() => void action.run(() => call('channels.logout', { channel: 'telegram' }))}>
            Forget token
          </button>
        ) : null}
      </form>
      <ErrorText error={action.error} />
    </Card>
  );
}

function Policies() {
  const settings = useQuery('settings.get', undefined, ['settings.changed']);
  const action = useAction();
  const s = settings.data?.settings;
  if (!s) return null;
  const set = (channel: 'telegram' | 'whatsapp', key: 'dmPolicy' | 'groupPolicy', value: string) =>
    void action.run(() => call('settings.update', { patch: { [channel]: { [key]: value } } }));
  return (
    <Card title="Who is answered" testId="channel-policies">
      <div className="table-scroll">
        <table className="grid">
          <thead>
            <tr>
              <th>Channel</th>
              <th>Owner and allowed</th>
              <th>Direct messages</th>
              <th>Groups</th>
            </tr>
          </thead>
          <tbody>
            {(['telegram', 'whatsapp'] as const).map((channel) => (
              <tr key={channel}>
                <td>{channelName(channel)}</td>
                <td>{s[channel].allowFrom.length ? s[channel].allowFrom.join(', ') : <span className="muted">nobody yet (set {channel}.allowFrom)</span>}</td>
                <td>
                  <select aria-label={`${channel} direct messages`} value={s[channel].dmPolicy} onChange={(e) => set(channel, 'dmPolicy', e.target.value)}>
                    <option value="allowlist">Allowed people only</option>
                    <option value="pairing">Strangers may ask with a code</option>
                    <option value="open">Anyone</option>
                    <option value="off">No one</option>
                  </select>
                </td>
                <td>
                  <select aria-label={`${channel} groups`} value={s[channel].groupPolicy} onChange={(e) => set(channel, 'groupPolicy', e.target.value)}>
                    <option value="off">Never</option>
                    <option value="mention">When mentioned</option>
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ErrorText error={action.error ?? settings.error} />
    </Card>
  );
}

function Pairings() {
  const pairings = useQuery('channels.pairings.list', { status: 'pending' }, ['channel.pairing']);
  const action = useAction();
  const decide = (channel: string, code: string, approve: boolean) =>
    void action.run(async () => {
      await call(approve ? 'channels.pairings.approve' : 'channels.pairings.deny', { channel: channel as 'telegram', code });
      await pairings.reload();
    });
  return (
    <Card title="Pairing requests" testId="channel-pairings">
      {pairings.data?.items.length === 0 ? <Empty title="No one is asking">With “Strangers may ask with a code”, a stranger gets a code; it shows up here for you to approve.</Empty> : null}
      <ul className="rows">
        {(pairings.data?.items ?? []).map((p) => (
          <li key={`${p.channel}:${p.code}`}>
            <code>{p.code}</code>
            <span>{channelName(p.channel)}</span>
            <span className="grow">
              {p.sender}: “{p.firstMessage}”
            </span>
            <span className="muted">
              until <When at={p.expiresAt} />
            </span>
            <button onClick={() => decide(p.channel, p.code, true)}>Approve</button>
            <button className="danger" onClick={() => decide(p.channel, p.code, false)}>
              Deny
            </button>
          </li>
        ))}
      </ul>
      <ErrorText error={action.error ?? pairings.error} />
    </Card>
  );
}

export function ChannelsPage() {
  const channels = useQuery('channels.list', undefined, ['channel.status']);
  const action = useAction();
  const views = channels.data?.items ?? [];
  return (
    <>
      <Card
        title="Channels"
        actions={
          <>
            <button className="secondary" disabled={action.busy} onClick={() => void action.run(() => call('channels.pause', {}))}>
              Pause all
            </button>
            <button className="secondary" disabled={action.busy} onClick={() => void action.run(() => call('channels.resume', {}))}>
              Resume all
            </button>
          </>
        }
        testId="channels"
      >
        <p className="muted">Paused channels still receive and keep messages, but do not answer; resuming does not answer what arrived meanwhile.</p>
        <ErrorText error={action.error ?? channels.error} />
      </Card>
      <WhatsAppCard view={views.find((v) => v.channel === 'whatsapp')} />
      <Telegram view={views.find((v) => v.channel === 'telegram')} />
      <Policies />
      <Pairings />
    </>
  );
}
