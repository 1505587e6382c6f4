import fs from 'node:fs';
import path from 'node:path';
import { checkGgufFile } from './llama/gguf-file';
import { OLLAMA_DEFAULT_URL } from './model-catalog';

// models.test: try a model before choosing it. A .gguf path is checked (exists, GGUF header that
// node-llama-cpp can read); an Ollama or OpenAI-compatible endpoint is asked for its models with a
// deadline, and the model named must be among them. Every answer is a sentence.

export interface ModelTestResult {
  ok: boolean;
  detail: string;
  models: string[];
}

const DEADLINE_MS = 5_000;
const LISTED = 8;

const fail = (detail: string, models: string[] = []): ModelTestResult => ({ ok: false, detail, models });
const list = (models: string[]) => models.slice(0, LISTED).join(', ') + (models.length > LISTED ? ` and ${models.length - LISTED} more` : '');

export async function testModel(spec: string, apiKey: () => Promise<string | null>): Promise<ModelTestResult> {
  const at = spec.indexOf(':');
  const kind = at < 0 ? '' : spec.slice(0, at);
  const rest = spec.slice(at + 1).trim();
  if (kind === 'llama') return testFile(rest);
  if (kind === 'ollama' || kind === 'openai') {
    const sep = rest.indexOf('@');
    const name = (sep < 0 ? rest : rest.slice(0, sep)).trim();
    const url = (sep < 0 ? (kind === 'ollama' ? OLLAMA_DEFAULT_URL : '') : rest.slice(sep + 1)).trim().replace(/\/+$/, '');
    if (!name) return fail('Enter the name of the model, e.g. llama3.2:3b.');
    if (!/^https?:\/\/[^\s/]+/i.test(url)) return fail('Enter the address of the service, starting with http:// or https://.');
    return kind === 'ollama' ? testOllama(name, url) : testOpenAI(name, url, await apiKey());
  }
  return fail('Choose a .gguf file, an Ollama model, or an OpenAI-compatible service.');
}

async function testFile(file: string): Promise<ModelTestResult> {
  if (!file) return fail('Enter the path of a .gguf model file.');
  if (!path.isAbsolute(file)) return fail('Enter the full path of the file, e.g. /home/me/models/model.gguf.');
  if (!file.toLowerCase().endsWith('.gguf')) return fail('Choose a file whose name ends in .gguf (a GGUF model file).');
  let size: number;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) return fail('That path is a folder; choose the .gguf file inside it.');
    size = stat.size;
  } catch {
    return fail('There is no file at that path. Check the spelling, or pick the file from the models folder list.');
  }
  try {
    await checkGgufFile(file);
  } catch {
    return fail('That file is not a GGUF model file. Download one, or choose another file.');
  }
  try {
    const { readGgufFileInfo } = await import('node-llama-cpp');
    const info = await readGgufFileInfo(file, { logWarnings: false, readTensorInfo: false });
    const meta = info.metadata as { general?: { architecture?: string; name?: string } };
    const label = meta.general?.name ?? 'A GGUF model';
    const arch = meta.general?.architecture ? `${meta.general.architecture} architecture, ` : '';
    return { ok: true, detail: `${label} (${arch}${formatSize(size)}): Perch can use it.`, models: [] };
  } catch {
    return fail('That file starts like a GGUF model but cannot be read: it may be incomplete or damaged. Download it again.');
  }
}

async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown } | { unreachable: true }> {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(DEADLINE_MS) });
    const text = await res.text();
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: the caller says the server does not speak the protocol
    }
    return { status: res.status, body };
  } catch {
    return { unreachable: true };
  }
}

async function testOllama(name: string, url: string): Promise<ModelTestResult> {
  const answer = await getJson(`${url}/api/tags`);
  if ('unreachable' in answer) return fail(`Ollama does not answer at ${url}. Start Ollama (run "ollama serve"), or check the address.`);
  const models = (answer.body as { models?: Array<{ name?: unknown }> } | null)?.models;
  if (answer.status !== 200 || !Array.isArray(models)) return fail(`The server at ${url} does not answer as Ollama does. Check the address (Ollama usually listens on port 11434).`);
  const names = models.map((m) => (typeof m.name === 'string' ? m.name : '')).filter(Boolean);
  const wanted = name.includes(':') ? name : `${name}:latest`;
  if (names.includes(name) || names.includes(wanted)) return { ok: true, detail: `Ollama at ${url} has ${name}: Perch can use it.`, models: names };
  if (names.length === 0) return fail(`Ollama at ${url} has no models yet. Get one with "ollama pull ${name}", then test again.`, names);
  return fail(`Ollama at ${url} does not have ${name}. Get it with "ollama pull ${name}", or choose one it has: ${list(names)}.`, names);
}

async function testOpenAI(name: string, base: string, key: string | null): Promise<ModelTestResult> {
  const answer = await getJson(`${base}/models`, key ? { Authorization: `Bearer ${key}` } : {});
  if ('unreachable' in answer) return fail(`Nothing answers at ${base}. Check the address and that the service is running.`);
  if (answer.status === 401 || answer.status === 403) {
    return fail(key ? `The service at ${base} refused the API key. Check the key and enter it again.` : `The service at ${base} needs an API key. Enter it and test again.`);
  }
  if (answer.status === 404) return { ok: true, detail: `The service at ${base} answers but does not list its models; Perch will ask it for ${name} when you chat.`, models: [] };
  if (answer.status >= 400) return fail(`The service at ${base} is having trouble (HTTP ${answer.status}). Try again later.`);
  const data = (answer.body as { data?: Array<{ id?: unknown }> } | null)?.data;
  if (!Array.isArray(data)) return fail(`The server at ${base} does not answer as an OpenAI-compatible service does. Check the address (it usually ends in /v1).`);
  const names = data.map((m) => (typeof m.id === 'string' ? m.id : '')).filter(Boolean);
  if (names.includes(name)) return { ok: true, detail: `The service at ${base} offers ${name}: Perch can use it.`, models: names };
  return fail(`The service at ${base} does not offer ${name}. Choose one it has: ${list(names)}.`, names);
}

function formatSize(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1e3))} KB`;
}
