import { checkGgufFile, pickThreads } from './llama/gguf-file';
import { ModelError, type EmbeddingProvider } from './provider';
import { OLLAMA_DEFAULT_URL } from './model-catalog';
import { splitSpec } from './remote/estimate';

// Embedding models behind one interface: node-llama-cpp's embedding context in process, Ollama's
// /api/embed, or an OpenAI-compatible /embeddings endpoint.

export async function createEmbedder(spec: string, openaiApiKey: () => Promise<string | null>): Promise<EmbeddingProvider> {
  const at = spec.indexOf(':');
  const kind = spec.slice(0, at);
  const rest = spec.slice(at + 1);
  if (kind === 'llama') return llamaEmbedder(rest);
  if (kind === 'ollama') {
    const { name, url } = splitSpec(rest, OLLAMA_DEFAULT_URL);
    const { Ollama } = await import('ollama');
    const client = new Ollama({ host: url });
    return {
      kind: 'ollama',
      model: name,
      async embed(texts) {
        try {
          return (await client.embed({ model: name, input: texts })).embeddings;
        } catch (error) {
          throw new ModelError(`Ollama at ${url} could not embed with ${name}: ${(error as Error).message}`, 'model_unavailable');
        }
      },
      async close() {},
    };
  }
  if (kind === 'openai') {
    const { name, url } = splitSpec(rest);
    const OpenAI = (await import('openai')).default;
    const client = new OpenAI({ baseURL: url, apiKey: (await openaiApiKey()) ?? 'not-needed', maxRetries: 0 });
    return {
      kind: 'openai',
      model: name,
      async embed(texts, signal) {
        try {
          const res = await client.embeddings.create({ model: name, input: texts }, signal ? { signal } : {});
          return [...res.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
        } catch (error) {
          throw new ModelError(`The endpoint ${url} could not embed with ${name}: ${(error as Error).message}`, 'model_unavailable');
        }
      },
      async close() {},
    };
  }
  throw new ModelError(`Unknown model kind "${kind}"; use llama:, ollama: or openai:.`, 'model_unavailable');
}

async function llamaEmbedder(file: string): Promise<EmbeddingProvider> {
  await checkGgufFile(file);
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  const threads = pickThreads();
  const llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, usePrebuiltBinaries: true, logLevel: LlamaLogLevel.error, maxThreads: threads });
  try {
    const model = await llama.loadModel({ modelPath: file });
    const context = await model.createEmbeddingContext({ contextSize: Math.min(model.trainContextSize, 2048), threads });
    let queue: Promise<unknown> = Promise.resolve();
    return {
      kind: 'llama',
      model: file.split(/[\\/]/).pop()!,
      embed(texts) {
        // One context: requests are serialized on it.
        const run = queue.then(async () => {
          const out: number[][] = [];
          for (const text of texts) out.push([...(await context.getEmbeddingFor(text)).vector]);
          return out;
        });
        queue = run.catch(() => undefined);
        return run;
      },
      async close() {
        await queue;
        await context.dispose();
        await model.dispose();
        await llama.dispose();
      },
    };
  } catch (error) {
    await llama.dispose();
    throw new ModelError(`Cannot load the embedding model ${file}: ${(error as Error).message}`, 'model_unavailable');
  }
}
