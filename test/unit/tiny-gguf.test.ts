import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLlama, LlamaChatSession, LlamaLogLevel, type Llama, type LlamaContext, type LlamaModel } from 'node-llama-cpp';
import { TINY_GGUF, writeTinyGguf } from '../helpers/tiny-gguf';

describe('tiny GGUF model', () => {
  let dir: string;
  let modelPath: string;
  let llama: Llama;
  let model: LlamaModel;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'perch-tiny-gguf-'));
    modelPath = join(dir, 'tiny.gguf');
    writeTinyGguf(modelPath);
    // Prebuilt CPU binaries only: never download llama.cpp or build it from source.
    llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, usePrebuiltBinaries: true, logLevel: LlamaLogLevel.error, maxThreads: 1 });
    model = await llama.loadModel({ modelPath });
  });

  afterAll(async () => {
    await model?.dispose();
    await llama?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes a small, deterministic GGUF v3 file', () => {
    const bytes = readFileSync(modelPath);
    expect(bytes.subarray(0, 4).toString('ascii')).toBe('GGUF');
    expect(bytes.readUInt32LE(4)).toBe(3);
    expect(statSync(modelPath).size).toBeLessThan(5 * 1024 * 1024);

    const again = join(dir, 'again.gguf');
    writeTinyGguf(again);
    expect(readFileSync(again).equals(bytes)).toBe(true);
    writeTinyGguf(again, { seed: 7, contextLength: 256 });
    expect(readFileSync(again).equals(bytes)).toBe(false);
  });

  it('exposes the expected metadata', () => {
    expect(model.trainContextSize).toBe(TINY_GGUF.defaultContextLength);
    expect(model.fileInfo.metadata.general.architecture).toBe('llama');
    expect(model.fileInfo.metadata.tokenizer.ggml.tokens).toHaveLength(TINY_GGUF.vocabSize);
    expect(model.tokens.bos).toBe(TINY_GGUF.bosTokenId);
    expect(model.tokens.eos).toBe(TINY_GGUF.eosTokenId);
  });

  it('tokenizes and detokenizes arbitrary UTF-8 through byte fallback', () => {
    const text = 'hello world, Grüße 👋🏽 日本語 \t\n<|im_start|>';
    const tokens = model.tokenize(text);
    expect(tokens.length).toBeGreaterThan(0);
    expect(model.detokenize(tokens)).toBe(text);

    // Word pieces are used where the vocabulary has them.
    expect(model.tokenize('hello')).toHaveLength(1);
    // Control tokens are only recognised when special tokens are enabled.
    expect(model.tokenize('<|im_start|>', true)).toEqual([TINY_GGUF.imStartTokenId]);
    expect(model.tokenize('<|im_start|>', false)).not.toContain(TINY_GGUF.imStartTokenId);
  });

  it('runs a ChatML chat session and streams tokens', async () => {
    const context: LlamaContext = await model.createContext({ contextSize: 256, threads: 1, batchSize: 256 });
    try {
      const sequence = context.getSequence();
      const session = new LlamaChatSession({ contextSequence: sequence, systemPrompt: 'You are a helpful assistant.' });
      expect(session.chatWrapper.wrapperName).toBe('ChatML');

      const chunks: string[] = [];
      let streamedTokens = 0;
      let firstTokenAt = 0;
      const started = performance.now();
      const answer = await session.prompt('hello, what are you?', {
        maxTokens: 32,
        temperature: 0,
        onTextChunk: (chunk) => chunks.push(chunk),
        onToken: (tokens) => {
          if (streamedTokens === 0) firstTokenAt = performance.now();
          streamedTokens += tokens.length;
        },
      });
      const finished = performance.now();
      const total = (finished - started) / 1000;
      const decode = (finished - firstTokenAt) / 1000;
      console.log(
        `tiny-gguf: ${streamedTokens} tokens in ${total.toFixed(3)} s (${(streamedTokens / total).toFixed(0)} tokens/s incl. prompt, ` +
          `${((streamedTokens - 1) / decode).toFixed(0)} tokens/s after the first token)`,
      );

      expect(typeof answer).toBe('string');
      expect(answer.length).toBeGreaterThan(0);
      expect(streamedTokens).toBeGreaterThan(0);
      expect(chunks.join('')).toContain(answer.trim());

      // The prompt went through the ChatML template: both markers are in the evaluated context.
      expect(sequence.contextTokens).toContain(TINY_GGUF.imStartTokenId);
      expect(sequence.contextTokens).toContain(TINY_GGUF.imEndTokenId);
      // (The last sampled token is never fed back, so the context holds all but the end of the answer.)
      expect(model.detokenize(sequence.contextTokens, true)).toMatch(
        /^<s><\|im_start\|>system\nYou are a helpful assistant\.<\|im_end\|>\n<\|im_start\|>user\nhello, what are you\?<\|im_end\|>\n<\|im_start\|>assistant\n./,
      );

      // Greedy decoding is deterministic: the same prompt on a fresh session gives the same text.
      session.resetChatHistory();
      const again = await session.prompt('hello, what are you?', { maxTokens: 32, temperature: 0 });
      expect(again).toBe(answer);
      session.dispose();
    } finally {
      await context.dispose();
    }
  });

  it('computes embeddings of the model width', async () => {
    const embeddingContext = await model.createEmbeddingContext({ contextSize: 128, threads: 1 });
    try {
      const a = await embeddingContext.getEmbeddingFor('hello world');
      const b = await embeddingContext.getEmbeddingFor('hello world');
      expect(a.vector).toHaveLength(TINY_GGUF.embeddingLength);
      expect(a.vector.every((v) => Number.isFinite(v))).toBe(true);
      expect(b.vector).toEqual(a.vector);
    } finally {
      await embeddingContext.dispose();
    }
  });
});
