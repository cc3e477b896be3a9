// VS Code notifications render [text](command:...) links, and their messages carry text from outside:
// server errors, file and folder names, workspace setting values. A link there would run a command with
// one click. Every notification goes through here, with links broken and control characters removed.
import * as vscode from 'vscode';
import { plainNotificationText } from './notification-text.js';

type Items<T extends string> = [options: vscode.MessageOptions, ...items: T[]] | T[];

export function showError<T extends string>(message: string, ...items: Items<T>): Thenable<T | undefined> {
  return vscode.window.showErrorMessage(plainNotificationText(message), ...(items as T[]));
}

export function showWarning<T extends string>(message: string, ...items: Items<T>): Thenable<T | undefined> {
  return vscode.window.showWarningMessage(plainNotificationText(message), ...(items as T[]));
}

export function showInfo<T extends string>(message: string, ...items: Items<T>): Thenable<T | undefined> {
  return vscode.window.showInformationMessage(plainNotificationText(message), ...(items as T[]));
}
