import type { ComponentType } from 'react';
import { ChatPage } from '../chat/ChatPage';
import { ApprovalsPage } from '../pages/Approvals';
import { ChannelsPage } from '../pages/Channels';
import { MemoryPage } from '../memory/MemoryPage';
import { OverviewPage } from '../pages/Overview';
import { SchedulesPage } from '../schedules/SchedulesPage';
import { SettingsPage } from '../settings/SettingsPage';
import { ToolsPage } from '../tools/ToolsPage';
import { UsagePage } from '../usage/UsagePage';

// Every page of the dashboard, in the order of the navigation. The shell gives each its one <h1>
// (`title`) and the tab title "<title> · Perch"; a page itself starts at <h2>.

export interface PageEntry {
  id: string;
  label: string;
  title: string;
  Page: ComponentType;
  /** The heading is there for screen readers and the outline, but not drawn (the chat fills the page). */
  hideTitle?: boolean;
}

export const PAGES = [
  { id: 'chat', label: 'Chat', title: 'Chat', Page: ChatPage, hideTitle: true },
  { id: 'overview', label: 'Overview', title: 'Overview', Page: OverviewPage },
  { id: 'approvals', label: 'Approvals', title: 'Approvals', Page: ApprovalsPage },
  { id: 'schedules', label: 'Schedules', title: 'Schedules', Page: SchedulesPage },
  { id: 'channels', label: 'Channels', title: 'Channels', Page: ChannelsPage },
  { id: 'memory', label: 'Memory', title: 'Memory', Page: MemoryPage },
  { id: 'settings', label: 'Settings', title: 'Settings', Page: SettingsPage },
  { id: 'tools', label: 'Tools', title: 'Tools', Page: ToolsPage },
  { id: 'usage', label: 'Usage & audit', title: 'Usage & audit', Page: UsagePage },
] as const satisfies readonly PageEntry[];

export type PageId = (typeof PAGES)[number]['id'];

export const HOME: PageId = 'chat';

/** The page an address shows (#/approvals …); unknown addresses lead home. */
export function routeOf(hash: string): PageId {
  const id = /^#\/([\w-]+)/.exec(hash)?.[1];
  if (id === 'conversations') return 'chat'; // the old address of the chat
  return PAGES.some((p) => p.id === id) ? (id as PageId) : HOME;
}

export const pageOf = (id: PageId): PageEntry => PAGES.find((p) => p.id === id)!;

export const tabTitle = (title: string | null) => (title ? `${title} · Perch` : 'Perch');
