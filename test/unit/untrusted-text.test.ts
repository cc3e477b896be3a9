// Text from outside reaches people two ways: VS Code notifications (which turn [text](command:...) into a
// link that runs a command) and the terminal (where escape sequences in a file name rewrite the screen).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { plainNotificationText } from '../../src/extension/notification-text.js';
import { forTerminal } from '../../src/cli/terminal-text.js';
import { makeTempDir, removeDir, writeImage } from '../support/temp-dataset.js';

test('a server message or file name cannot make a notification link', () => {
  const text = plainNotificationText('HTTP 400: [click to fix](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22rm%22%7D)\x1b[2J');
  assert.doesNotMatch(text, /\]\(/);
  assert.doesNotMatch(text, /\x1b/);
  assert.match(text, /click to fix/);
});

test('the CLI prints escape sequences in names as text', { skip: process.platform === 'win32' && 'escape characters in file names need POSIX' }, async () => {
  assert.equal(forTerminal('a\x1b[31mred\x07\nline\ttab'), 'a\\x1b[31mred\\x07\nline\ttab');
  const dir = await makeTempDir();
  try {
    await writeImage(dir, 'ok.png');
    // A broken link whose name carries an OSC sequence: the scan warns about it by name.
    await fs.symlink(path.join(dir, 'nowhere'), path.join(dir, 'evil\x1b]0;pwned\x07.png'));
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '../../src/cli/main.ts'), 'scan', dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /evil\\x1b\]0;pwned\\x07\.png: broken symbolic link/);
    assert.doesNotMatch(r.stderr + r.stdout, /\x1b|\x07/);
  } finally {
    await removeDir(dir);
  }
});
