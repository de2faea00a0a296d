/** The extension's settings (`dicom.*`), read per workspace folder. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { defaultDbPath } from '../core/indexer';
import { parseJobs, type JobsSetting } from '../core/read/jobs';
import { isPostgresUrl } from '../core/store/postgresUrl';

export type OnStartup = 'ifIndexed' | 'always' | 'never';

export interface FolderSettings {
  /** Absolute path of the folder's database file. */
  dbPath: string;
  /** A shared PostgreSQL index (`dicom.index.database`), or undefined for the folder's file. */
  postgresUrl: string | undefined;
  include: string[];
  exclude: string[];
  sniffExtensionless: boolean;
  pixelStats: boolean;
  storePatientIdentity: boolean;
  onStartup: OnStartup;
  watch: boolean;
  /** Reader threads (`dicom.index.jobs`): a number, or `auto`. */
  jobs: JobsSetting;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string' && s.trim() !== '') : []);

export function folderSettings(folder: vscode.WorkspaceFolder): FolderSettings {
  const cfg = vscode.workspace.getConfiguration('dicom', folder.uri);
  const root = folder.uri.fsPath;
  const configured = (cfg.get<string>('index.databasePath') ?? '').trim();
  const dbPath = configured ? path.resolve(root, configured.replace(/^\$\{workspaceFolder\}/, root)) : defaultDbPath(root);
  const onStartup = cfg.get<string>('index.onStartup');
  const database = (cfg.get<string>('index.database') ?? 'workspace').trim();
  return {
    dbPath,
    postgresUrl: isPostgresUrl(database) ? database : undefined,
    include: strings(cfg.get('index.include')),
    exclude: strings(cfg.get('index.exclude')),
    sniffExtensionless: cfg.get<boolean>('index.sniffExtensionless') !== false,
    pixelStats: cfg.get<boolean>('index.pixelStatistics') === true,
    storePatientIdentity: cfg.get<boolean>('privacy.storePatientIdentity') !== false,
    onStartup: onStartup === 'always' || onStartup === 'never' ? onStartup : 'ifIndexed',
    watch: cfg.get<boolean>('index.watch') !== false,
    jobs: parseJobs(String(cfg.get<string | number>('index.jobs') ?? 'auto')) ?? 'auto',
  };
}

/** Settings whose change means the database file or the candidate set changed. */
export function affectsIndex(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration('dicom.index') || e.affectsConfiguration('dicom.privacy');
}

/** Where a folder's `dicom.index.databasePath` comes from: the settings file a user opens to change it. */
export interface SettingSource {
  scope: 'default' | 'folder' | 'workspace' | 'user';
  /** For people: "this folder's .vscode/settings.json", "the workspace file", "your user settings". */
  label: string;
  /** The settings file, when it is a file of the workspace (folder settings, a saved workspace file). */
  file?: vscode.Uri;
}

export function databasePathSource(folder: vscode.WorkspaceFolder): SettingSource {
  const i = vscode.workspace.getConfiguration('dicom.index', folder.uri).inspect<string>('databasePath');
  const set = (v: string | undefined) => typeof v === 'string' && v.trim() !== '';
  const folderFile = vscode.Uri.joinPath(folder.uri, '.vscode', 'settings.json');
  if (set(i?.workspaceFolderValue)) return { scope: 'folder', label: `the folder's .vscode/settings.json (${folder.name})`, file: folderFile };
  if (set(i?.workspaceValue)) {
    // A single-folder window keeps its workspace settings in the folder's .vscode/settings.json.
    const ws = vscode.workspace.workspaceFile;
    if (ws && ws.scheme !== 'untitled') return { scope: 'workspace', label: 'the workspace file', file: ws };
    if (!ws) return { scope: 'folder', label: `the folder's .vscode/settings.json (${folder.name})`, file: folderFile };
    return { scope: 'workspace', label: 'the workspace settings' };
  }
  if (set(i?.globalValue)) return { scope: 'user', label: 'your user settings' };
  return { scope: 'default', label: 'the default path' };
}
