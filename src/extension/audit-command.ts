// Draw Audit Sample: marks a seeded random sample of unreviewed images ("audit": true) through the folder's
// one model, and says what the sample's reviews so far imply for the rest.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ManifestRegistry } from '../core/document/manifest-registry.js';
import { auditStatsOf, describeAudit, drawAuditSample } from '../core/analysis/audit.js';
import { resolveScannedDataset } from './export-command.js';
import { showError, showInfo } from './notify.js';

export const DEFAULT_AUDIT_SAMPLE = 400;

export interface AuditOutcome {
  marked: number;
  sampled: number;
  summary: string[];
}

/** `options` (from executeCommand) may give `{ sample, seed }` instead of asking. */
function givenOptions(value: unknown): { sample?: number; seed?: number } {
  if (typeof value !== 'object' || value === null) return {};
  const o = value as Record<string, unknown>;
  const whole = (v: unknown) => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : undefined);
  return { sample: whole(o.sample), seed: whole(o.seed) };
}

export async function drawAuditSampleCommand(registry: ManifestRegistry, uri?: vscode.Uri, options?: unknown): Promise<AuditOutcome | undefined> {
  const dataset = await resolveScannedDataset(uri, 'Draw Audit Sample');
  if (!dataset) return undefined;
  const { folder, manifest } = dataset;
  const given = givenOptions(options);
  let sample = given.sample;
  if (sample === undefined) {
    const answer = await vscode.window.showInputBox({
      title: `Audit sample for ${path.basename(folder)}`,
      prompt: 'How many unreviewed images to draw for review (images already drawn count towards it)',
      value: String(DEFAULT_AUDIT_SAMPLE),
      validateInput: (v) => (/^\s*\d+\s*$/.test(v) && Number(v) >= 1 && Number(v) <= 1_000_000 ? null : 'a whole number from 1 to 1,000,000'),
    });
    if (answer === undefined) return undefined;
    sample = Number(answer);
  }
  if (sample < 1) {
    void showError('The audit sample needs at least 1 image.');
    return undefined;
  }
  const lease = await registry.acquire(manifest);
  try {
    await lease.model.ready;
    const store = lease.model.runAccess();
    const drawn = await drawAuditSample(store, sample, given.seed);
    const summary = describeAudit(auditStatsOf(store.records()));
    void showInfo(`Audit sample of ${path.basename(folder)}: ${drawn.marked} images drawn now. ${summary.join(' ')}`);
    return { marked: drawn.marked, sampled: drawn.sampled, summary };
  } catch (err) {
    void showError(`Draw Audit Sample failed: ${(err as Error).message}`);
    return undefined;
  } finally {
    lease.release();
  }
}
