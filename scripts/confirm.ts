/** Confirmation for destructive scripts: --yes, or "yes" typed on a terminal; never a silent default. */
import { createInterface } from 'node:readline/promises';

export async function confirm(question: string, yes: boolean | undefined): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) {
    throw new Error('refusing: stdin is not a terminal, so nobody can confirm; pass --yes (npm run <script> -- --yes) to proceed');
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`${question}\nType "yes" to continue: `);
    if (answer.trim().toLowerCase() !== 'yes') throw new Error('aborted: not confirmed');
  } finally {
    rl.close();
  }
}
