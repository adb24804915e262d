// What a hook step did, in words the deployer reads in `azd up`'s output: what changed, what was
// left alone and why, and what is still theirs to do. Never a secret or a token.

export type StepStatus = 'done' | 'unchanged' | 'skipped' | 'action-needed' | 'failed';

export interface StepReport {
  step: string;
  status: StepStatus;
  /** What happened, one line each. */
  lines: string[];
  /** What the deployer must still do (commands to run, settings to change). */
  todo: string[];
}

const LABEL: Record<StepStatus, string> = {
  done: 'done',
  unchanged: 'already in place',
  skipped: 'skipped',
  'action-needed': 'needs you',
  failed: 'failed',
};

export function formatReports(title: string, reports: StepReport[]): string {
  const out = [`${title}`];
  for (const report of reports) {
    out.push(`  [${LABEL[report.status]}] ${report.step}`);
    for (const line of report.lines) out.push(`      ${line}`);
  }
  const todo = reports.flatMap((r) => r.todo.map((t) => ({ step: r.step, t })));
  if (todo.length > 0) {
    out.push('', 'What you must still do:');
    todo.forEach(({ step, t }, i) => out.push(`  ${i + 1}. (${step}) ${t}`));
  }
  return `${out.join('\n')}\n`;
}
