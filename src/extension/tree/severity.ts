/** The tree's icons for check severities: error and warning in the list's error and warning colours, info neutral. */
import * as vscode from 'vscode';
import type { Severity } from '../../shared/checks';

export function severityIcon(severity: Severity): vscode.ThemeIcon {
  switch (severity) {
    case 'error':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
    case 'warning':
      return new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    default:
      return new vscode.ThemeIcon('info');
  }
}
