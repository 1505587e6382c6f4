import { fileURLToPath, pathToFileURL } from 'node:url';
import { AlreadyRunningError } from './store/instance-lock';
import { ConfigError } from './config/runtime-config';
import { NewerDatabaseError } from './store/migrations';
import { startCore, type Core } from './core';
import { NO_MODEL_SERVER_HINT } from './inference/provider';

// Headless entry (`npm run serve`): the core under plain Node, the gateway and the dashboard
// over HTTP. Prints where to connect and a one-time dashboard link (never the token).

export const ExitCodes = { ok: 0, failed: 1, config: 2, alreadyRunning: 3, newerDatabase: 4 } as const;

export async function runHeadless(env: NodeJS.ProcessEnv = process.env): Promise<Core> {
  let core: Core;
  try {
    // The bundle runs from out/main/, beside the built dashboard in out/renderer/.
    core = await startCore({ mode: 'headless', env, staticDir: fileURLToPath(new URL('../renderer/', import.meta.url)) });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof ConfigError) exit(ExitCodes.config, message);
    if (error instanceof AlreadyRunningError) exit(ExitCodes.alreadyRunning, `Perch cannot start: ${message}`);
    if (error instanceof NewerDatabaseError) exit(ExitCodes.newerDatabase, `Perch cannot start: ${message}`);
    exit(ExitCodes.failed, `Perch failed to start: ${message}`);
  }

  const link = core.issueLoginLink();
  const noModel = !core.settings.get().models.chat;
  if (noModel) core.log.info('no chat model yet', { hint: NO_MODEL_SERVER_HINT });
  process.stdout.write(
    [
      `Perch ${core.version} is running headless.`,
      `  Data:      ${core.config.dataDir}`,
      `  Gateway:   ${core.gateway.url}`,
      `  Dashboard: ${link.url}`,
      `             (one-time login link, valid ${Math.round(link.expiresInMs / 60_000)} minutes)`,
      ...(noModel
        ? [
            'No model yet: open the dashboard link above to set one up (download a recommended model, pick a .gguf, or connect Ollama/OpenAI).',
            '  (or set PERCH_MODEL=llama:/path/model.gguf, ollama:NAME@URL or openai:NAME@BASE_URL)',
          ]
        : []),
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );

  let signals = 0;
  const shutdown = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      process.stderr.write(`Perch: ${signal} again, exiting without a clean shutdown\n`);
      process.exit(ExitCodes.failed);
    }
    core.stop().then(
      () => process.exit(ExitCodes.ok),
      (error: Error) => exit(ExitCodes.failed, `Perch: shutdown failed: ${error.message}`),
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  return core;
}

function exit(code: number, message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void runHeadless();
