import { describe, expect, it } from 'vitest';
import { toTurns } from '../../main/agent/agent';

describe('history as the model reads it', () => {
  it('answers a tool call cut off by a restart, drops a result whose call is out of view, and names tools', () => {
    const turns = toTurns([
      { id: 1, role: 'tool', text: 'orphan result', toolCallId: 'c0' },
      { id: 2, role: 'user', text: 'run: echo later' },
      { id: 3, role: 'assistant', text: '', toolCalls: [{ id: 'c1', name: 'exec', args: { command: 'echo later' } }] },
      { id: 4, role: 'system', text: '[Approval abc123] It ran: later' },
      { id: 5, role: 'user', text: 'what time is it?' },
      { id: 6, role: 'assistant', text: '', toolCalls: [{ id: 'c2', name: 'get_time', args: {} }] },
      { id: 7, role: 'tool', text: '12:00', toolCallId: 'c2' },
      { id: 8, role: 'assistant', text: 'Noon.' },
    ]);
    expect(turns).toEqual([
      { role: 'user', text: 'run: echo later' },
      { role: 'assistant', text: '', toolCalls: [{ id: 'c1', name: 'exec', args: { command: 'echo later' } }] },
      { role: 'tool', text: 'No result: Perch stopped before this call finished.', toolCallId: 'c1', toolName: 'exec' },
      { role: 'user', text: '[Approval abc123] It ran: later' },
      { role: 'user', text: 'what time is it?' },
      { role: 'assistant', text: '', toolCalls: [{ id: 'c2', name: 'get_time', args: {} }] },
      { role: 'tool', text: '12:00', toolCallId: 'c2', toolName: 'get_time' },
      { role: 'assistant', text: 'Noon.' },
    ]);
  });
});
