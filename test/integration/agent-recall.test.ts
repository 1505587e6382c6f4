import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, type Recall } from '../../main/agent/agent';
import { agentMigrations, ConversationStore } from '../../main/agent/conversation-store';
import { Lanes } from '../../main/agent/lanes';
import { EventBus } from '../../main/events/bus';
import { OpenAIProvider } from '../../main/inference/remote/openai-provider';
import { createLogger } from '../../main/log/logger';
import { openDatabase, type Db } from '../../main/store/database';
import { migrate } from '../../main/store/migrations';
import { ToolRegistry } from '../../main/tools/registry';
import { tempDataDir } from '../helpers/data-dir';
import { startOpenAIServer, type ModelServer } from '../helpers/model-servers';

// The memory hook of the context builder: what is recalled goes into the system turn, best first,
// with its source, within its share of the window; a failing recall does not stop the answer.

describe('recall in the context', () => {
  let server: ModelServer;
  let db: Db;
  beforeAll(async () => {
    server = await startOpenAIServer();
    const file = path.join(tempDataDir(), 'perch.db');
    db = openDatabase(file);
    migrate(db, file, agentMigrations, '0.0.0');
  });
  afterAll(async () => {
    db.close();
    await server.close();
  });

  const agentWith = (recall: Recall) =>
    new Agent({
      store: new ConversationStore(db),
      lanes: new Lanes(4),
      tools: new ToolRegistry(),
      bus: new EventBus(),
      log: createLogger({ dir: null, level: 'error', console: false }),
      provider: async () => new OpenAIProvider('gpt-test', `${server.url}/v1`, null), // an 8192-token window
      callTimeoutMs: 10_000,
      maxReplyTokens: () => 256,
      recall,
    });

  it('puts recalled items into the system turn with their sources, as many as fit', async () => {
    const queries: string[] = [];
    const agent = agentWith(async ({ text }) => {
      queries.push(text);
      return [
        { source: 'notes/2026-11-20.md:3', text: 'The owner is vegetarian.' },
        { source: 'notes/travel.md:10', text: 'Flight to Lisbon on 4 December.' },
        { source: 'notes/huge.md:1', text: 'x'.repeat(20_000) }, // beyond a fifth of the window
        { source: 'notes/small.md:1', text: 'Never reached: the list is in rank order.' },
      ];
    });
    const reply = await agent.handle({ channel: 'test', peer: 'a', text: 'Where should we eat in Lisbon?' });
    expect(reply.text).toBe('You said: Where should we eat in Lisbon?');
    expect(queries).toEqual(['Where should we eat in Lisbon?']);
    const system = server.requests.at(-1)!.body.messages[0].content as string;
    expect(system).toContain('- [notes/2026-11-20.md:3] The owner is vegetarian.\n- [notes/travel.md:10] Flight to Lisbon on 4 December.');
    expect(system).not.toContain('notes/huge.md');
    expect(system).not.toContain('notes/small.md');
  });

  it('answers without memory when recall fails', async () => {
    const agent = agentWith(async () => Promise.reject(new Error('index is rebuilding')));
    const reply = await agent.handle({ channel: 'test', peer: 'b', text: 'hello' });
    expect(reply.text).toBe('You said: hello');
    expect(server.requests.at(-1)!.body.messages[0].content).not.toContain('What you remember');
  });
});
