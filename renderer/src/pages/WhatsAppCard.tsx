import { useEffect, useState } from 'react';
import { QrCode } from '../components/QrCode';
import { Card, Empty, ErrorText } from '../components/ui';
import { call, listen, useSession } from '../stores/session';
import { useAction, useQuery } from '../use-query';
import { ChannelHead, type ChannelView } from './ChannelHead';

// WhatsApp on the Channels page: turned on here or in Settings (it starts at once), its QR login
// drawn in-app (a fresh code replaces the last until it is scanned). A login the owner starts is
// followed through the channel's own status events: "Connecting…" from the click on, then the QR
// code, connected, or the reason it failed with a Retry: never a click that shows nothing.

/** What became of the login the owner started: asked (the click), connecting (the core said so), failed. */
type Attempt = 'asked' | 'connecting' | 'failed' | null;

export function WhatsAppCard({ view }: { view: ChannelView | undefined }) {
  const [qr, setQr] = useState<string | null>(null);
  const [attempt, setAttempt] = useState<Attempt>(null);
  const epoch = useSession((s) => s.epoch);
  const action = useAction();
  const settings = useQuery('settings.get', undefined, ['settings.changed']);
  useEffect(
    () =>
      listen('channel.qr', (event) => {
        if (event.channel !== 'whatsapp') return;
        setQr(event.qr);
        setAttempt(null);
      }),
    [epoch],
  );
  // Events come in order: the "connecting" a login publishes comes before anything it leads to.
  useEffect(
    () =>
      listen('channel.status', (event) => {
        if (event.channel !== 'whatsapp') return;
        setAttempt((a) => {
          if (event.state === 'connected' || event.state === 'stopped') return null;
          if (a === 'asked' && event.state === 'connecting') return 'connecting';
          if (a === 'connecting' && (event.state === 'error' || event.state === 'logged-out')) return 'failed';
          return a;
        });
      }),
    [epoch],
  );
  useEffect(() => {
    if (view?.state === 'connected' || !view) setQr(null);
  }, [view?.state, view]);

  const logIn = async () => {
    setAttempt('asked');
    setQr(null);
    if (!(await action.run(() => call('channels.login', { channel: 'whatsapp' })))) setAttempt(null);
  };

  if (!view) {
    const byVariable = settings.data?.overridden.find((o) => o.path === 'whatsapp.enabled');
    return (
      <Card title="WhatsApp" testId="channel-whatsapp">
        <Empty title="WhatsApp is off">
          {byVariable ? (
            <>
              It is turned off by <code>{byVariable.variable}</code>, which wins over Settings: set it to 1 and restart Perch.
            </>
          ) : (
            'Turn it on to link Perch to your phone with a QR code. It starts at once, no restart needed.'
          )}
        </Empty>
        {byVariable ? null : (
          <div className="actions channel-actions">
            <button disabled={action.busy} onClick={() => void action.run(() => call('settings.update', { patch: { whatsapp: { enabled: true } } }))}>
              Turn WhatsApp on
            </button>
          </div>
        )}
        <ErrorText error={action.error ?? settings.error} />
      </Card>
    );
  }

  const progress = !qr && view.state !== 'connected' && (attempt === 'asked' || attempt === 'connecting' || (view.state === 'connecting' && !view.detail));
  const failed = attempt === 'failed' && (view.state === 'error' || view.state === 'logged-out');
  return (
    <Card title="WhatsApp" testId="channel-whatsapp">
      <ChannelHead view={view} hideDetail={progress} />
      <p className="channel-progress" role="status" data-testid="whatsapp-progress">
        {progress ? (
          <>
            <span className="channel-spinner" aria-hidden="true" /> Connecting to WhatsApp…
          </>
        ) : null}
      </p>
      {view.state === 'connected' ? (
        <p data-testid="whatsapp-connected">Connected{view.detail ? ` as ${view.detail}` : ''}.</p>
      ) : qr ? (
        <div className="qr-box">
          <QrCode value={qr} label="WhatsApp login QR code" />
          <p>On your phone: WhatsApp → Settings → Linked devices → Link a device, and scan this code. A fresh one appears here when it changes.</p>
        </div>
      ) : null}
      <div className="actions channel-actions">
        <button disabled={action.busy} onClick={() => void logIn()}>
          {failed ? 'Retry' : view.state === 'connected' ? 'Reconnect' : 'Log in with a QR code'}
        </button>
        {view.state !== 'logged-out' ? (
          <button className="danger" disabled={action.busy} onClick={() => void action.run(() => call('channels.logout', { channel: 'whatsapp' }))}>
            Log out
          </button>
        ) : null}
      </div>
      <ErrorText error={action.error} />
    </Card>
  );
}
