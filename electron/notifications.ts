import type { Notification as ElectronNotification, NotificationConstructorOptions } from 'electron';
import type { PerchClient } from '../main/contract/client';
import { visible } from '../main/contract/hidden-text';

// Desktop notifications: each approval request shows its command (hidden characters spelled out)
// with Approve / Deny where the OS offers buttons (macOS, Windows; Review / Deny when high-risk)
// and opens the Approvals page when clicked; channel log-outs and scheduled jobs that failed for
// good are shown too. A decided approval's notification is removed.

export interface NotificationDeps {
  Notification: { new (options: NotificationConstructorOptions): ElectronNotification; isSupported(): boolean };
  client: PerchClient;
  /** Shows the dashboard at a page. */
  open(route: string): void;
  onError(message: string): void;
}

export function desktopNotifications({ Notification, client, open, onError }: NotificationDeps): () => void {
  const waiting = new Map<string, ElectronNotification>();
  const loggedOut = new Set<string>();
  const show = (options: NotificationConstructorOptions, route: string): ElectronNotification | null => {
    if (!Notification.isSupported()) return null;
    const notification = new Notification(options);
    notification.on('click', () => open(route));
    notification.show();
    return notification;
  };
  const offs = [
    client.on('approval.requested', (approval) => {
      // A high-risk command is not approved from a notification: it opens the full review.
      const high = approval.riskLevel === 'high';
      const notification = show(
        {
          title: high ? '⚠ Perch wants to run a high-risk command' : 'Perch wants to run a command',
          body: `${visible(approval.command)}\nin ${approval.cwd}${high ? `\n${approval.risk.split('\n')[0]}` : ''}`,
          actions: [
            { type: 'button', text: high ? 'Review' : 'Approve' },
            { type: 'button', text: 'Deny' },
          ],
          closeButtonText: 'Later',
          timeoutType: 'never',
        },
        'approvals',
      );
      if (!notification) return;
      waiting.set(approval.id, notification);
      notification.on('action', (_event, index) => {
        if (high && index === 0) return open('approvals');
        client.call('approvals.resolve', { id: approval.id, decision: index === 0 ? 'approve' : 'deny' }).catch((error: Error) => onError(error.message));
      });
    }),
    client.on('approval.resolved', (approval) => {
      if (approval.status === 'pending') return;
      waiting.get(approval.id)?.close();
      waiting.delete(approval.id);
    }),
    client.on('channel.status', (view) => {
      if (view.state !== 'logged-out') return void loggedOut.delete(view.channel);
      if (loggedOut.has(view.channel)) return; // said once
      loggedOut.add(view.channel);
      show({ title: `Perch: ${view.channel} is logged out`, body: view.detail ?? 'Log in again on the Channels page.' }, 'channels');
    }),
    client.on('schedule.fired', (fired) => {
      if (fired.outcome !== 'failed') return;
      show({ title: `Perch: "${fired.name}" failed`, body: fired.error ?? 'The scheduled job could not be delivered.' }, 'schedules');
    }),
  ];
  return () => offs.forEach((off) => off());
}
