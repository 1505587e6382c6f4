import { z } from 'zod';
import { defineTool } from './registry';

const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

export const getTimeTool = defineTool({
  name: 'get_time',
  description: 'The current date and time, optionally in an IANA time zone such as Europe/Berlin.',
  schema: z.strictObject({
    timezone: z.string().refine(isTimeZone, 'expected an IANA time zone such as Europe/Berlin').optional(),
  }),
  danger: false,
  forContacts: true,
  timeoutMs: 1000,
  async run({ timezone }) {
    const now = new Date();
    const zone = timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: zone, dateStyle: 'full', timeStyle: 'long' }).format(now);
    return `${local} (${zone}; ISO ${now.toISOString()})`;
  },
});
