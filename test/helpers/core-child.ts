import { startCore } from '../../main/core';

// A real core in a process of its own, with the environment it was given (as `npm run serve`
// runs it), for tests that must look at that process from outside (/proc/<pid>/…).

const core = await startCore({ mode: 'headless', env: process.env, staticDir: null, consoleLog: false, loadKeytar: () => Promise.reject(new Error('no keychain in this test')) });
process.stdout.write(`Gateway: ${core.gateway.url}\nDashboard: ${core.issueLoginLink().url}\n`);
const stop = () => void core.stop().then(() => process.exit(0), () => process.exit(1));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
