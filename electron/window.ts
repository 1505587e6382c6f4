import type { BrowserWindow, BrowserWindowConstructorOptions, Shell } from 'electron';

// The dashboard window, locked down: no Node in the page, an isolated and sandboxed preload that
// exposes only call/on, no navigation away from Perch's own page, no new windows (web links open
// in the browser), and no remote content (the CSP in index.html allows only Perch's own files).

export function windowOptions(preload: string): BrowserWindowConstructorOptions {
  return {
    width: 1180,
    height: 800,
    minWidth: 720,
    minHeight: 520,
    title: 'Perch',
    show: false,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: true,
    },
  };
}

/** Only http(s) links leave the app, and then in the owner's browser. */
export function hardenWindow(window: BrowserWindow, shell: Pick<Shell, 'openExternal'>): void {
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//i.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event, url) => {
    // In-page route changes (#/approvals) stay; anything else is refused: an address that merely
    // starts with the page's (index.html.evil.html), and any navigation before a page is shown.
    const page = window.webContents.getURL().split('#')[0]!;
    if (!page || url.split('#')[0] !== page) event.preventDefault();
  });
  window.webContents.on('will-attach-webview', (event) => event.preventDefault());
}
