import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestCore } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { fakeVector, startOllamaServer, startOpenAIServer } from '../helpers/model-servers';
import { TINY_GGUF, writeTinyGguf } from '../helpers/tiny-gguf';

describe('embeddings', () => {
  it('come from the local model through node-llama-cpp, deterministic and of the model width', async () => {
    const file = path.join(tempDataDir(), 'embed.gguf');
    writeTinyGguf(file);
    const core = await startTestCore({ PERCH_EMBED_MODEL: `llama:${file}` });
    const embedder = await core.models.embedder();
    const [a, b, again] = await embedder.embed(['the apple tree', 'a different text 👋', 'the apple tree']);
    expect(a).toHaveLength(TINY_GGUF.embeddingLength);
    expect(a!.every(Number.isFinite)).toBe(true);
    expect(again).toEqual(a);
    expect(b).not.toEqual(a);
    expect(embedder).toMatchObject({ kind: 'llama', model: 'embed.gguf' });
    await core.stop();
  });

  it.each([
    ['ollama', async () => startOllamaServer({ 'nomic-embed-text': 2048 }), (url: string) => `ollama:nomic-embed-text@${url}`],
    ['openai', async () => startOpenAIServer(), (url: string) => `openai:text-embedding-3-small@${url}/v1`],
  ])('come from %s in input order', async (_kind, start, spec) => {
    const server = await start();
    const core = await startTestCore({ PERCH_EMBED_MODEL: spec(server.url) });
    const texts = ['one', 'three words here', 'a e i o u'];
    expect(await (await core.models.embedder()).embed(texts)).toEqual(texts.map(fakeVector));
    await core.stop();
    await server.close();
  });

  it('without an embedding model, say that memory is keyword-only and how to change it', async () => {
    const core = await startTestCore();
    await expect(core.models.embedder()).rejects.toThrow(/No embedding model is configured, so memory search is keyword-only\. Set PERCH_EMBED_MODEL/);
    await core.stop();
  });
});
