import { describe, expect, it } from 'vitest';
import { refusesTools, ToolSupport } from '../../main/inference/remote/tool-support';

describe('models without tool support', () => {
  it('recognizes the refusals of Ollama, vLLM and llama.cpp, and nothing else', () => {
    expect(refusesTools(new Error('registry.ollama.ai/library/gemma:2b does not support tools'))).toBe(true);
    expect(refusesTools(new Error('400 "auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set'))).toBe(true);
    expect(refusesTools(new Error('400 tools param requires --jinja flag'))).toBe(true);
    expect(refusesTools(new Error('500 the model crashed'))).toBe(false);
    expect(refusesTools('does not support tools')).toBe(false); // not an Error
  });

  it('retries a refused call without tools once, then stops offering them; other errors pass through', async () => {
    const support = new ToolSupport();
    const calls: boolean[] = [];
    const run = async (withTools: boolean) => {
      calls.push(withTools);
      if (withTools) throw new Error('model does not support tools');
      return 'plain';
    };
    expect(await support.call(true, run)).toBe('plain');
    expect(await support.call(true, run)).toBe('plain');
    expect(calls).toEqual([true, false, false]);
    expect(support.supported).toBe(false);

    const other = new ToolSupport();
    await expect(other.call(true, async () => Promise.reject(new Error('500 boom')))).rejects.toThrow('500 boom');
    expect(other.supported).toBe(true);
  });
});
