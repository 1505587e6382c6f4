import type { Settings } from '../contract/settings';
import type { Handlers } from '../gateway/router';
import type { ModelDownloads } from './downloads';
import { detectOllama, listLocalModels } from './model-catalog';

export function inferenceHandlers(modelsDir: string, ollamaUrl: string, settings: () => Settings, downloads: ModelDownloads): Handlers {
  return {
    'models.list': async () => {
      const [local, ollama] = await Promise.all([listLocalModels(modelsDir), detectOllama(ollamaUrl)]);
      const { chat, fallback, embed } = settings().models;
      return { dir: modelsDir, local, ollama, chat, fallback, embed };
    },
    'models.download': ({ id }) => downloads.start(id),
  };
}
