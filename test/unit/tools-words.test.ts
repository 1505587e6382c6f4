import { describe, expect, it } from 'vitest';
import { allowWarning, isReadOnly, launchLine, reasonOf, stateWords, type ServerView, type ToolView } from '../../renderer/src/tools/words';

// The Tools page's words: a server's state in a line, its reason as sentences with what a
// program said kept for Details, and which tools may be allowed without a confirmation.

const server = (change: Partial<ServerView>): ServerView => ({
  id: 'everything',
  name: 'everything',
  transport: 'stdio',
  command: '/usr/bin/node',
  args: ['/opt/my servers/index.js'],
  envKeys: [],
  headerKeys: [],
  enabled: true,
  rule: 'ask',
  contacts: false,
  state: 'ready',
  detail: null,
  nextRetryAt: null,
  toolCount: 12,
  ...change,
});

const tool = (annotations: ToolView['annotations']): ToolView => ({ server: 'x', name: 'write', qualifiedName: 'x__write', description: '', inputSchema: {}, annotations, rule: null, effective: 'ask' });

describe('words for MCP servers and tools', () => {
  it('says each state in a line', () => {
    const now = Date.parse('2026-01-01T10:00:00Z');
    expect(stateWords(server({}), now)).toMatchObject({ tone: 'ok', label: 'Ready', text: 'Ready · 12 tools' });
    expect(stateWords(server({ toolCount: 1 }), now).text).toBe('Ready · 1 tool');
    expect(stateWords(server({ state: 'starting' }), now).text).toBe('Starting…');
    const restarting = stateWords(server({ state: 'restarting', nextRetryAt: '2026-01-01T10:00:03.200Z', detail: 'It exited (code 1). Trying again at 10:00:03 AM.' }), now);
    expect(restarting.text).toBe('Restarting, next try in 4 s — It exited (code 1).');
    expect(stateWords(server({ enabled: false, state: 'stopped' }), now)).toMatchObject({ tone: 'off', label: 'Disabled' });
    const failed = stateWords(server({ state: 'failed', detail: 'The command "/x" was not found: check the command (and PATH).' }), now);
    expect(failed).toEqual({ tone: 'bad', label: 'Failed', text: 'Failed: The command "/x" was not found: check the command (and PATH).', details: null });
  });

  it('keeps raw words out of the sentence and under Details', () => {
    expect(reasonOf('It stopped answering (MCP error -32001: Request timed out).')).toEqual({ text: 'It stopped answering.', details: 'MCP error -32001: Request timed out' });
    expect(reasonOf('spawn /x ENOENT')).toMatchObject({ details: 'spawn /x ENOENT' });
    expect(reasonOf('spawn /x ENOENT').text).toMatch(/^It stopped with an error\. .*Restart\.$/);
    expect(reasonOf(null).text).toMatch(/Restart\.$/);
  });

  it('offers Always allow at once only for a tool that says it only reads', () => {
    expect(isReadOnly(tool({ readOnlyHint: true }))).toBe(true);
    expect(isReadOnly(tool({ readOnlyHint: true, destructiveHint: true }))).toBe(false);
    expect(isReadOnly(tool({}))).toBe(false);
    expect(allowWarning(tool({ destructiveHint: true }))).toMatch(/may delete or overwrite/);
    expect(allowWarning(tool({}))).toMatch(/does not say whether it changes anything/);
    expect(launchLine(server({}))).toBe('/usr/bin/node "/opt/my servers/index.js"');
  });
});
