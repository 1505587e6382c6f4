import { z } from 'zod';
import { defineTool } from '../tools/registry';
import { EmptyQuery, type Memory } from './memory';

// The agent's own access to memory: search it, and write a note to it.

export function memoryTools(memory: Memory) {
  return [
    defineTool({
      name: 'memory_search',
      description: "Search the owner's notes and past conversations. Returns the best passages with their source (file and lines); cite the source when you use one.",
      schema: z.strictObject({ query: z.string().trim().min(1).max(500), limit: z.number().int().min(1).max(10).optional() }),
      danger: false,
      timeoutMs: 30_000,
      async run({ query, limit }) {
        try {
          const { items } = await memory.search(query, { limit: limit ?? 5 });
          if (items.length === 0) return 'Nothing found.';
          return items.map((i) => `[${i.file}:${i.startLine}-${i.endLine}]\n${i.text}`).join('\n\n');
        } catch (error) {
          if (error instanceof EmptyQuery) return 'The query has no words to search for.';
          throw error;
        }
      },
    }),
    defineTool({
      name: 'memory_write',
      description: "Save a short note to the owner's notes (dated, in today's file), to remember it later.",
      schema: z.strictObject({ text: z.string().trim().min(1).max(2_000) }),
      danger: false,
      timeoutMs: 30_000,
      async run({ text }) {
        const { file, line } = await memory.write(text);
        return `Saved to notes/${file}, line ${line}.`;
      },
    }),
  ];
}
