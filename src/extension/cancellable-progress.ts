// A cancellable progress notification whose cancel button aborts an AbortSignal (what src/core takes),
// reporting progress as a percentage done (VS Code wants increments).
import * as vscode from 'vscode';
import { pacedReports } from './paced-reports.js';

export type ReportProgress = (percentDone: number, message: string) => void;

export function withCancellableProgress<T>(title: string, work: (signal: AbortSignal, report: ReportProgress) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const controller = new AbortController();
    const sub = token.onCancellationRequested(() => controller.abort());
    let reported = 0;
    const due = pacedReports();
    try {
      return await work(controller.signal, (percentDone, message) => {
        // Skipped reports are not lost: the next one carries their increments.
        if (!due(percentDone >= 100)) return;
        progress.report({ increment: percentDone - reported, message });
        reported = percentDone;
      });
    } finally {
      sub.dispose();
    }
  });
}
