import fs from 'node:fs';
import path from 'node:path';
import { checkGgufFile } from './llama/gguf-file';

// What models are at hand: GGUF files in <data dir>/models, and a local Ollama if one answers.

export const OLLAMA_DEFAULT_URL = 'http://127.0.0.1:11434';

export interface LocalModel {
  name: string;
  path: string;
  sizeBytes: number;
  modifiedAt: string;
  gguf: boolean;
}

export async function listLocalModels(dir: string): Promise<LocalModel[]> {
  fs.mkdirSync(dir, { recursive: true });
  const files = fs.readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.gguf'));
  return Promise.all(
    files.sort().map(async (name) => {
      const file = path.join(dir, name);
      const stat = fs.statSync(file);
      const gguf = await checkGgufFile(file).then(
        () => true,
        () => false,
      );
      return { name, path: file, sizeBytes: stat.size, modifiedAt: stat.mtime.toISOString(), gguf };
    }),
  );
}

/** Asks a local Ollama for its models; null when none answers in time. */
export async function detectOllama(url: string, timeoutMs = 800): Promise<{ url: string; models: string[] } | null> {
  try {
    const res = await fetch(`${url}/api/tags`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return null;
    const body = (await res.json()) as { models?: Array<{ name?: string }> };
    return { url, models: (body.models ?? []).map((m) => m.name ?? '').filter(Boolean) };
  } catch {
    return null;
  }
}
