// Show Caption Report: the habit report of a dataset in a webview panel (one per dataset, refreshed when
// shown again). The HTML is built on the host from the report data; the panel runs no script.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { habitReportOf, type HabitReport } from '../core/analysis/index.js';
import { openDatasetStore, resolveDatasetFolder } from './export-command.js';
import { reportHtml } from './report-html.js';

const panels = new Map<string, vscode.WebviewPanel>();

export async function showReportCommand(uri?: vscode.Uri): Promise<void> {
  const folder = await resolveDatasetFolder(uri, 'Show Report for This Dataset');
  if (!folder) return;
  const store = await openDatasetStore(folder);
  if (!store) return;
  let report: HabitReport;
  try {
    // Read in batches with the texts measured on another thread: the host's thread stays free meanwhile.
    report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Measuring the captions of ${path.basename(folder)}…` }, () => habitReportOf(store.records()));
  } finally {
    store.close();
  }
  const title = `Caption Report: ${path.basename(folder)}`;
  let panel = panels.get(folder);
  if (panel) panel.reveal();
  else {
    panel = vscode.window.createWebviewPanel('recaption.report', title, vscode.ViewColumn.Active, { enableScripts: false, localResourceRoots: [] });
    panels.set(folder, panel);
    panel.onDidDispose(() => panels.delete(folder));
  }
  panel.title = title;
  panel.webview.html = reportHtml(report, { nonce: randomBytes(18).toString('base64'), title });
}
