import fs from 'node:fs';
import type { Result } from '../contract/methods';
import type { Settings } from '../contract/settings';
import type { Handlers } from '../gateway/router';
import type { ModelDownloads } from './downloads';
import type { FitJudge } from './model-fit';
import { detectOllama, listLocalModels } from './model-catalog';
import type { ChatModelStatus } from './model-status';
import { testModel } from './model-test';
import { partialDownload } from './partial-download';

export interface InferenceDeps {
  modelsDir: string;
  ollamaUrl: string;
  settings: () => Settings;
  downloads: ModelDownloads;
  fit: FitJudge;
  status: ChatModelStatus;
  /** The stored OpenAI-compatible key (environment or keychain), for models.test without one. */
  openaiApiKey: () => Promise<string | null>;
}

type CatalogItem = Result<'models.catalog'>['items'][number];

export function inferenceHandlers(deps: InferenceDeps): Handlers {
  const { modelsDir, ollamaUrl, settings, downloads, fit } = deps;
  return {
    'models.list': async () => {
      const [local, ollama] = await Promise.all([listLocalModels(modelsDir), detectOllama(ollamaUrl)]);
      const { chat, fallback, embed } = settings().models;
      return { dir: modelsDir, local, ollama, chat, fallback, embed };
    },
    'models.catalog': async () => {
      const [entries, machine] = await Promise.all([downloads.catalog.entries(), fit.machine()]);
      const items = await Promise.all(
        entries.map(async (entry): Promise<CatalogItem> => {
          const file = downloads.fileOf(entry);
          const present = fs.existsSync(file);
          const { fits, fitDetail } = await fit.judge(entry, present ? file : entry.url);
          const running = downloads.running(entry.id);
          const partial = running || present ? null : partialDownload(file);
          const state = running ? 'downloading' : present ? 'present' : partial ? 'partial' : 'absent';
          const receivedBytes = running?.receivedBytes ?? (present ? fs.statSync(file).size : (partial?.receivedBytes ?? 0));
          const sizeBytes = present ? fs.statSync(file).size : (entry.sizeBytes ?? partial?.totalBytes ?? null);
          const { id, name, description, kind } = entry;
          return { id, name, description, kind, file: entry.file, sizeBytes, fits, fitDetail, state, receivedBytes: Math.round(receivedBytes) };
        }),
      );
      return { items, machine };
    },
    'models.download': ({ id }) => downloads.start(id),
    'models.pause': ({ id }) => downloads.pause(id),
    'models.status': () => deps.status.get(),
    'models.test': ({ spec, apiKey }) => testModel(spec, async () => apiKey ?? (await deps.openaiApiKey())),
  };
}
