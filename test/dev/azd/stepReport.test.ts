import { promptSecretOnTerminal } from '../../../dev/azd/promptSecret';
import { formatReports } from '../../../dev/azd/stepReport';

describe('formatReports', () => {
  it('prints each step with its outcome, then every open item numbered', () => {
    const text = formatReports('postprovision:', [
      { step: 'A', status: 'done', lines: ['did a'], todo: [] },
      { step: 'B', status: 'unchanged', lines: ['b was there'], todo: [] },
      { step: 'C', status: 'action-needed', lines: ['could not c'], todo: ['do c', 'then d'] },
    ]);
    expect(text).toBe(
      ['postprovision:', '  [done] A', '      did a', '  [already in place] B', '      b was there', '  [needs you] C', '      could not c', '', 'What you must still do:', '  1. (C) do c', '  2. (C) then d', ''].join('\n'),
    );
  });

  it('has no to-do list when nothing is left', () => {
    expect(formatReports('t', [{ step: 'A', status: 'skipped', lines: [], todo: [] }])).not.toContain('What you must still do');
  });
});

describe('promptSecretOnTerminal', () => {
  it('asks nobody without a terminal', async () => {
    const isTTY = process.stdin.isTTY;
    Object.defineProperty(process.stdin, 'isTTY', { value: false, configurable: true });
    try {
      await expect(promptSecretOnTerminal('secret? ')).resolves.toBeUndefined();
    } finally {
      Object.defineProperty(process.stdin, 'isTTY', { value: isTTY, configurable: true });
    }
  });
});
