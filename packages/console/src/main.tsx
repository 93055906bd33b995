import { render } from 'preact';
import { App } from './app';
import { loadConfig } from './config';
import './styles.css';

// The console lives under /console/; the bare origin (/) serves it too.
if (!location.pathname.startsWith('/console')) history.replaceState(null, '', '/console/');

const root = document.getElementById('app');
if (root) {
  loadConfig().then(
    (config) => render(<App config={config} />, root),
    (error: unknown) => {
      root.textContent = `The console could not load its configuration: ${String(error)}`;
    },
  );
}
