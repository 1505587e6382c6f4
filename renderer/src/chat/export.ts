import { call } from '../stores/session';

// Saves one conversation, or all of them, as a JSON file through the browser's download.
export async function download(conversationId?: string): Promise<void> {
  const { archive } = await call('conversations.export', conversationId ? { conversationId } : {});
  const url = URL.createObjectURL(new Blob([JSON.stringify(archive, null, 2)], { type: 'application/json' }));
  const name = `perch-${conversationId ?? 'all'}-${archive.exportedAt.slice(0, 10)}.json`;
  const link = Object.assign(document.createElement('a'), { href: url, download: name });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
