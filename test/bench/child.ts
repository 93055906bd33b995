import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Runs a bench script in a Node process of its own (tsx as the loader, from the
 * repository root) and answers the JSON on its one output line that starts with
 * `prefix`. Its other output lines go to `log` when given; stderr passes through.
 */
export function runInChild<T>(
  script: string,
  args: readonly string[],
  options: { prefix: string; what: string; log?: (line: string) => void },
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      out += text;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const lines = out.split('\n');
      const result = lines.find((l) => l.startsWith(options.prefix));
      for (const line of lines) if (line && line !== result) options.log?.(line);
      if (code !== 0 || !result) {
        reject(new Error(`${options.what} exited with ${code}:\n${out}`));
        return;
      }
      resolve(JSON.parse(result.slice(options.prefix.length)) as T);
    });
  });
}
