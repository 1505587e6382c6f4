import fs from 'node:fs';
import { z } from 'zod';
import type { Logger } from '../log/logger';

// The recommended models that first-run setup and Settings offer for download. PERCH_MODEL_CATALOG
// (a URL or a file path to a JSON {"models": [...]}) replaces the built-in list; one that cannot
// be read or does not validate is logged and reported, and the built-in list is used instead.

export const catalogEntrySchema = z.object({
  id: z.string().regex(/^[\w-]{1,64}$/, 'an id of letters, digits, - and _'),
  name: z.string().trim().min(1).max(120),
  description: z.string().trim().max(400).default(''),
  kind: z.enum(['chat', 'embed']),
  /** The file name in the models folder. */
  file: z.string().regex(/^[^/\\]{1,200}\.gguf$/i, 'a file name ending in .gguf, without folders'),
  url: z.url({ protocol: /^https?$/ }),
  /** About how big the download is, for the fit judgement before the header can be read. */
  sizeBytes: z.number().int().positive().nullable().default(null),
  /** Expected sha256, when known (else the host's stated one); the header check always runs. */
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/)
    .transform((s) => s.toLowerCase())
    .nullable()
    .default(null),
});

export type CatalogEntry = z.output<typeof catalogEntrySchema>;

export const catalogFileSchema = z.object({
  models: z
    .array(catalogEntrySchema)
    .min(1)
    .max(100)
    .refine((models) => new Set(models.map((m) => m.id)).size === models.length, 'each model needs its own id')
    .refine((models) => new Set(models.map((m) => m.file.toLowerCase())).size === models.length, 'each model needs its own file name'),
});

const HF = 'https://huggingface.co';

export const BUILT_IN_CATALOG: CatalogEntry[] = [
  {
    id: 'qwen2.5-0.5b-instruct',
    name: 'Qwen2.5 0.5B Instruct',
    description: 'The smallest: quick on any computer, good for short answers.',
    kind: 'chat',
    file: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
    url: `${HF}/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q4_k_m.gguf`,
    sizeBytes: 491_400_000,
    sha256: null,
  },
  {
    id: 'qwen2.5-1.5b-instruct',
    name: 'Qwen2.5 1.5B Instruct',
    description: 'Recommended: a good balance of speed and quality on most computers.',
    kind: 'chat',
    file: 'qwen2.5-1.5b-instruct-q4_k_m.gguf',
    url: `${HF}/Qwen/Qwen2.5-1.5B-Instruct-GGUF/resolve/main/qwen2.5-1.5b-instruct-q4_k_m.gguf`,
    sizeBytes: 1_117_000_000,
    sha256: null,
  },
  {
    id: 'qwen2.5-3b-instruct',
    name: 'Qwen2.5 3B Instruct',
    description: 'Better answers and tool use; wants 8 GB of memory.',
    kind: 'chat',
    file: 'qwen2.5-3b-instruct-q4_k_m.gguf',
    url: `${HF}/Qwen/Qwen2.5-3B-Instruct-GGUF/resolve/main/qwen2.5-3b-instruct-q4_k_m.gguf`,
    sizeBytes: 2_104_000_000,
    sha256: null,
  },
  {
    id: 'llama-3.2-3b-instruct',
    name: 'Llama 3.2 3B Instruct',
    description: "Meta's small model: friendly conversation; wants 8 GB of memory.",
    kind: 'chat',
    file: 'Llama-3.2-3B-Instruct-Q4_K_M.gguf',
    url: `${HF}/bartowski/Llama-3.2-3B-Instruct-GGUF/resolve/main/Llama-3.2-3B-Instruct-Q4_K_M.gguf`,
    sizeBytes: 2_019_000_000,
    sha256: null,
  },
  {
    id: 'qwen2.5-7b-instruct',
    name: 'Qwen2.5 7B Instruct',
    description: 'The most capable here; wants 16 GB of memory or a GPU.',
    kind: 'chat',
    file: 'Qwen2.5-7B-Instruct-Q4_K_M.gguf',
    url: `${HF}/bartowski/Qwen2.5-7B-Instruct-GGUF/resolve/main/Qwen2.5-7B-Instruct-Q4_K_M.gguf`,
    sizeBytes: 4_683_000_000,
    sha256: null,
  },
  {
    id: 'nomic-embed-text-v1.5',
    name: 'nomic-embed-text v1.5',
    description: 'For memory search: finds notes by meaning, not only by words.',
    kind: 'embed',
    file: 'nomic-embed-text-v1.5.Q8_0.gguf',
    url: `${HF}/nomic-ai/nomic-embed-text-v1.5-GGUF/resolve/main/nomic-embed-text-v1.5.Q8_0.gguf`,
    sizeBytes: 146_000_000,
    sha256: null,
  },
];

const FETCH_TIMEOUT_MS = 8_000;
/** After a failed read, the next request tries again no sooner than this. */
const RETRY_AFTER_MS = 30_000;

export class ModelCatalog {
  private loaded: { entries: CatalogEntry[]; problem: string | null; at: number } | null = null;
  private loading: Promise<CatalogEntry[]> | null = null;

  /** source: PERCH_MODEL_CATALOG (URL or path), null for the built-in list, or the entries themselves (tests). */
  constructor(
    private readonly source: string | CatalogEntry[] | null,
    private readonly log: Logger,
  ) {
    if (source === null || Array.isArray(source)) this.loaded = { entries: source ?? BUILT_IN_CATALOG, problem: null, at: Date.now() };
  }

  /** Why the configured catalog is not in use (the built-in list is), or null. */
  problem(): string | null {
    return this.loaded?.problem ?? null;
  }

  async entries(): Promise<CatalogEntry[]> {
    const current = this.loaded;
    if (current && (!current.problem || Date.now() - current.at < RETRY_AFTER_MS)) return current.entries;
    this.loading ??= this.read(this.source as string).finally(() => (this.loading = null));
    return this.loading;
  }

  async find(id: string): Promise<CatalogEntry | undefined> {
    return (await this.entries()).find((e) => e.id === id);
  }

  private async read(source: string): Promise<CatalogEntry[]> {
    try {
      const text = /^https?:\/\//i.test(source) ? await fetchText(source) : await fs.promises.readFile(source, 'utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new Error('it is not JSON');
      }
      const parsed = catalogFileSchema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new Error(`${issue.path.length ? `at ${issue.path.join('.')}: ` : ''}${issue.message}`);
      }
      if (this.loaded?.problem) this.log.info('model catalog read', { source, models: parsed.data.models.length });
      this.loaded = { entries: parsed.data.models, problem: null, at: Date.now() };
    } catch (error) {
      const problem = `The model catalog set by PERCH_MODEL_CATALOG could not be used (${(error as Error).message}), so the built-in list of recommended models is shown.`;
      if (this.loaded?.problem !== problem) this.log.warn('model catalog unusable; using the built-in list', { source, error: (error as Error).message });
      this.loaded = { entries: BUILT_IN_CATALOG, problem, at: Date.now() };
    }
    return this.loaded.entries;
  }
}

async function fetchText(url: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (error) {
    const code = ((error as Error).cause as { code?: string } | undefined)?.code;
    throw new Error(`cannot reach ${new URL(url).host}${code ? `: ${code}` : ''}`, { cause: error });
  }
  if (!res.ok) throw new Error(`the server answered HTTP ${res.status}`);
  return res.text();
}
