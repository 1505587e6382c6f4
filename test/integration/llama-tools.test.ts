import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LlamaProvider } from '../../main/inference/llama/llama-provider';
import type { ChatTurn } from '../../main/inference/provider';
import { getTimeTool } from '../../main/tools/get-time';
import { ToolRegistry } from '../../main/tools/registry';
import { tempDataDir } from '../helpers/data-dir';
import { writeTinyGguf } from '../helpers/tiny-gguf';

// The tool path on a real local model: a tool call and its result, as the agent stores them, go
// into node-llama-cpp's chat history and come out in the prompt the model reads (its own template
// and function-calling syntax), and the model continues from there.

describe('tools with a local llama model', () => {
  it('renders the tool documentation, the call and its result into the prompt, and continues from them', async () => {
    const file = path.join(tempDataDir(), 'tiny.gguf');
    writeTinyGguf(file, { contextLength: 2048 });
    const provider = await LlamaProvider.load(file);
    try {
      const tools = new ToolRegistry();
      tools.add(getTimeTool);
      const turns: ChatTurn[] = [
        { role: 'system', text: 'You are Perch.' },
        { role: 'user', text: 'What time is it in Tokyo?' },
        { role: 'assistant', text: '', toolCalls: [{ id: 'call_1', name: 'get_time', args: { timezone: 'Asia/Tokyo' } }] },
        { role: 'tool', text: 'Monday 23 November 2026 at 21:00:00 GMT+9 (Asia/Tokyo)', toolCallId: 'call_1', toolName: 'get_time' },
      ];
      const rendered = provider.renderPrompt(turns, tools.definitions()).toString();
      expect(rendered).toContain('get_time');
      expect(rendered).toContain('Asia/Tokyo');
      expect(rendered).toContain('Monday 23 November 2026 at 21:00:00 GMT+9');
      const withTools = await provider.promptTokens(turns, tools.definitions());
      const without = await provider.promptTokens(turns.slice(0, 2), []);
      expect(withTools).toBeGreaterThan(without);

      const chunks: string[] = [];
      const reply = await provider.chat({ turns, tools: tools.definitions(), maxTokens: 16, signal: AbortSignal.timeout(30_000), onText: (t) => chunks.push(t) });
      expect(reply.text.length).toBeGreaterThan(0);
      expect(chunks.join('')).toBe(reply.text);
      expect(reply.toolCalls).toEqual([]); // a random model never produces the call syntax
    } finally {
      await provider.close();
    }
  });
});
