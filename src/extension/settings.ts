/** The extension's settings (`dicom.*`), read per workspace folder. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { defaultDbPath } from '../core/indexer';

export type OnStartup = 'ifIndexed' | 'always' | 'never';

export interface FolderSettings {
  /** Absolute path of the folder's database file. */
  dbPath: string;
  include: string[];
  exclude: string[];
  sniffExtensionless: boolean;
  pixelStats: boolean;
  storePatientIdentity: boolean;
  onStartup: OnStartup;
  watch: boolean;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string' && s.trim() !== '') : []);

export function folderSettings(folder: vscode.WorkspaceFolder): FolderSettings {
  const cfg = vscode.workspace.getConfiguration('dicom', folder.uri);
  const root = folder.uri.fsPath;
  const configured = (cfg.get<string>('index.databasePath') ?? '').trim();
  const dbPath = configured ? path.resolve(root, configured.replace(/^\$\{workspaceFolder\}/, root)) : defaultDbPath(root);
  const onStartup = cfg.get<string>('index.onStartup');
  return {
    dbPath,
    include: strings(cfg.get('index.include')),
    exclude: strings(cfg.get('index.exclude')),
    sniffExtensionless: cfg.get<boolean>('index.sniffExtensionless') !== false,
    pixelStats: cfg.get<boolean>('index.pixelStatistics') === true,
    storePatientIdentity: cfg.get<boolean>('privacy.storePatientIdentity') !== false,
    onStartup: onStartup === 'always' || onStartup === 'never' ? onStartup : 'ifIndexed',
    watch: cfg.get<boolean>('index.watch') !== false,
  };
}

/** Settings whose change means the database file or the candidate set changed. */
export function affectsIndex(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration('dicom.index') || e.affectsConfiguration('dicom.privacy');
}
