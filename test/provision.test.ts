// `npm test` provisions what its tests need before they run, the same way in CI as from the README:
// npm's pretest runs tools/provision.sh, and .ci/run installs nothing of its own.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './utils/processes.js';

const SCRIPT = join(ROOT, 'tools', 'provision.sh');
const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
  .scripts;

describe('provisioning', () => {
  it('runs before the test command, and CI goes through the test command instead of installing on its own', () => {
    expect(scripts.pretest).toBe('bash tools/provision.sh');
    const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
    expect(ci).toMatch(/^npm test$/m);
    expect(ci).not.toMatch(/apt-get|policy-rc\.d/);
  });

  it('finds everything the suite needs on this machine (npm test provisioned it)', () => {
    const check = spawnSync('bash', [SCRIPT, '--check'], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('fails at once with one line saying what to run when something is missing', () => {
    const missing = join(ROOT, 'no-such-chromium');
    expect(existsSync(missing)).toBe(false);
    const check = spawnSync('bash', [SCRIPT], { encoding: 'utf8', env: { ...process.env, CHROMIUM_PATH: missing } });
    expect(check.status).toBe(1);
    const lines = check.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^npm test needs chromium: /);
    expect(lines[0]).toMatch(
      existsSync('/etc/debian_version') ? /run `sudo bash tools\/provision\.sh`/ : /CHROMIUM_PATH/,
    );
  });
});
