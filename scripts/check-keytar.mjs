// postinstall: keytar is optional (on Linux it builds only with libsecret-1-dev), and npm reports a
// failed optional build in a long warning or not at all. This says in one line whether secrets will
// go to the OS keychain, and never fails the install.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function keytarProblem() {
  try {
    require.resolve('keytar');
  } catch {
    return 'is not installed (its native build failed or optional dependencies were omitted; on Linux it needs libsecret-1-dev)';
  }
  try {
    require('keytar');
    return null;
  } catch (error) {
    return `does not load (${String(error?.message ?? error).split('\n')[0]})`;
  }
}

try {
  const problem = keytarProblem();
  if (problem) {
    console.log(
      `perch: keytar (optional) ${problem}, so Perch keeps secrets in secrets.json (mode 0600) in its data directory instead of the OS keychain; to use the keychain, install libsecret-1-dev (Linux) and run npm install again.`,
    );
  }
} catch {
  // A check that itself breaks must not break the install.
}
