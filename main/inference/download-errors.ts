import type { CatalogEntry } from './catalog';

// What a failed download tells a person: what happened and what to do, in one sentence, with no
// URL or raw error (those go to the log).

export class DownloadStalled extends Error {
  constructor() {
    super('no data arrived for too long');
    this.name = 'DownloadStalled';
  }
}

const NETWORK_CODES = ['ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET'];

function codes(error: Error): string[] {
  const found: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as Error).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') found.push(code);
    if ((e as Error).name === 'TimeoutError') found.push('ETIMEDOUT');
  }
  return found;
}

const percent = (received: number, total: number | null) => (total ? ` (${Math.floor((received / total) * 100)}% is kept)` : '');

export function downloadProblem(entry: CatalogEntry, error: Error, progress: { receivedBytes: number; totalBytes: number | null }): string {
  const name = entry.name;
  if (error instanceof DownloadStalled) {
    return `Could not download ${name}: the connection was lost part-way${percent(progress.receivedBytes, progress.totalBytes)}. Check your connection and press Retry to continue where it stopped.`;
  }
  if ((error as { failedCheck?: boolean }).failedCheck) {
    const what = (error.cause as { checksum?: boolean } | undefined)?.checksum ? 'its checksum does not match' : 'it is not a valid GGUF model';
    return `Could not use the downloaded ${name}: the file is damaged (${what}) and was removed. Press Retry to download it again.`;
  }
  const status = (error as { httpStatus?: number }).httpStatus;
  if (status === 404 || status === 410) return `Could not download ${name}: the file is no longer at its address. Choose another model, or a .gguf file you already have.`;
  if (status === 401 || status === 403) return `Could not download ${name}: the model host refused access. Choose another model, or a .gguf file you already have.`;
  if (status) return `Could not download ${name}: the model host is having trouble (HTTP ${status}). Press Retry later, or choose a .gguf file you already have.`;
  const found = codes(error);
  if (found.includes('ENOSPC')) return `Could not download ${name}: the disk is full. Free some space and press Retry.`;
  if (found.some((c) => NETWORK_CODES.includes(c)) || /fetch failed|network|socket/i.test(error.message)) {
    return `Could not download ${name}: no network connection. Check your connection and press Retry, or choose a .gguf file you already have.`;
  }
  return `Could not download ${name}: something went wrong. Press Retry, or choose a .gguf file you already have (the log has the details).`;
}
