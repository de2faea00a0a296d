/**
 * The tree's elements: plain objects holding their database row and their parent. Ids are built
 * from DICOM keys and paths (not database row ids), so they stay the same across re-indexing and
 * rebuilds: expansion state survives a refresh and TreeView.reveal finds a node again.
 */
import { indexedFile } from '../../core/indexedPath';
import * as vscode from 'vscode';
import type { DatabaseRefusal } from '../contracts';
import type { TreeInstance, TreePatient, TreeProblem, TreeSeries, TreeStudy } from '../../core/queries/tree';
import type { CheckTally, ChecksOverview, FlaggedSeries, SeriesChecks } from '../../core/queries/checks';
import type { Finding } from '../../shared/checks';

interface Base {
  readonly id: string;
  readonly folder: vscode.WorkspaceFolder;
  readonly parent: TreeElement | undefined;
}
export interface FolderNode extends Base {
  readonly kind: 'folder';
}
export interface PatientNode extends Base {
  readonly kind: 'patient';
  readonly row: TreePatient;
}
export interface StudyNode extends Base {
  readonly kind: 'study';
  readonly row: TreeStudy;
}
export interface SeriesNode extends Base {
  readonly kind: 'series';
  readonly row: TreeSeries;
  /** The checks of its Series UID (the same on every study it is under); undefined when not checked. */
  readonly checks: SeriesChecks | undefined;
}
export interface InstanceNode extends Base {
  readonly kind: 'instance';
  readonly row: TreeInstance;
}
export interface ProblemsNode extends Base {
  readonly kind: 'problems';
  readonly count: number;
}
export interface ProblemNode extends Base {
  readonly kind: 'problem';
  readonly row: TreeProblem;
}
export interface MoreNode extends Base {
  readonly kind: 'more';
  readonly count: number;
}

/** The dataset checks at the top level: how many series are volumes; its children the checks that fired. */
export interface ChecksNode extends Base {
  readonly kind: 'checks';
  readonly overview: ChecksOverview;
}
/** One series check that fired, under Checks; its children the series it fired on. */
export interface CheckNode extends Base {
  readonly kind: 'check';
  readonly tally: CheckTally;
}
/** A series under a check (clicking it reveals the series in the patient tree). */
export interface CheckSeriesNode extends Base {
  readonly kind: 'checkSeries';
  readonly row: FlaggedSeries;
}
/** A dataset-level finding under Checks (a leaf). */
export interface DatasetFindingNode extends Base {
  readonly kind: 'datasetFinding';
  readonly finding: Finding;
}

/** Stands instead of the index of a folder whose database path is refused; opens the settings file. */
export interface RefusedNode extends Base {
  readonly kind: 'refused';
  readonly refusal: DatabaseRefusal;
}

export type TreeElement =
  | FolderNode
  | PatientNode
  | StudyNode
  | SeriesNode
  | InstanceNode
  | ProblemsNode
  | ProblemNode
  | MoreNode
  | RefusedNode
  | ChecksNode
  | CheckNode
  | CheckSeriesNode
  | DatasetFindingNode;

/** What a node in a folder hangs under: the folder node (multi-root) or the root. */
export type Anchor = FolderNode | undefined;

const base = (folder: vscode.WorkspaceFolder) => folder.uri.toString();

export const folderNode = (folder: vscode.WorkspaceFolder): FolderNode => ({ kind: 'folder', id: base(folder), folder, parent: undefined });

export const patientNode = (folder: vscode.WorkspaceFolder, parent: Anchor, row: TreePatient): PatientNode => ({
  kind: 'patient',
  id: `${base(folder)}|P:${row.PatientID}`,
  folder,
  parent,
  row,
});

export const studyNode = (parent: PatientNode, row: TreeStudy): StudyNode => ({
  kind: 'study',
  id: `${parent.id}|S:${row.StudyInstanceUID}`,
  folder: parent.folder,
  parent,
  row,
});

export const seriesNode = (parent: StudyNode, row: TreeSeries, checks: SeriesChecks | undefined): SeriesNode => ({
  kind: 'series',
  id: `${parent.id}|E:${row.SeriesInstanceUID}`,
  folder: parent.folder,
  parent,
  row,
  checks,
});

export const instanceNode = (parent: SeriesNode, row: TreeInstance): InstanceNode => ({
  kind: 'instance',
  id: `${parent.id}|I:${row.path}`,
  folder: parent.folder,
  parent,
  row,
});

export const problemsNode = (folder: vscode.WorkspaceFolder, parent: Anchor, count: number): ProblemsNode => ({
  kind: 'problems',
  id: `${base(folder)}|problems`,
  folder,
  parent,
  count,
});

export const problemNode = (parent: ProblemsNode, row: TreeProblem): ProblemNode => ({
  kind: 'problem',
  id: `${parent.id}|${row.path}`,
  folder: parent.folder,
  parent,
  row,
});

export const refusedNode = (folder: vscode.WorkspaceFolder, parent: Anchor, refusal: DatabaseRefusal): RefusedNode => ({
  kind: 'refused',
  id: `${base(folder)}|refused`,
  folder,
  parent,
  refusal,
});

export const moreNode = (parent: ProblemsNode | CheckNode, count: number): MoreNode => ({ kind: 'more', id: `${parent.id}|more`, folder: parent.folder, parent, count });

export const checksNode = (folder: vscode.WorkspaceFolder, parent: Anchor, overview: ChecksOverview): ChecksNode => ({
  kind: 'checks',
  id: `${base(folder)}|checks`,
  folder,
  parent,
  overview,
});

export const checkNode = (parent: ChecksNode, tally: CheckTally): CheckNode => ({ kind: 'check', id: `${parent.id}|${tally.check}`, folder: parent.folder, parent, tally });

export const checkSeriesNode = (parent: CheckNode, row: FlaggedSeries): CheckSeriesNode => ({
  kind: 'checkSeries',
  id: `${parent.id}|${row.SeriesInstanceUID}`,
  folder: parent.folder,
  parent,
  row,
});

export const datasetFindingNode = (parent: ChecksNode, finding: Finding): DatasetFindingNode => ({
  kind: 'datasetFinding',
  id: `${parent.id}|dataset|${finding.check}`,
  folder: parent.folder,
  parent,
  finding,
});

/** The file behind a node, if it has one. */
export function fileOf(el: TreeElement): vscode.Uri | undefined {
  if (el.kind === 'instance' || el.kind === 'problem') {
    const file = indexedFile(el.folder.uri.fsPath, el.row.path);
    return file ? vscode.Uri.file(file) : undefined;
  }
  return undefined;
}

/** The UID a node stands for (Copy UID). */
export function uidOf(el: TreeElement): { keyword: string; uid: string } | undefined {
  switch (el.kind) {
    case 'study':
      return { keyword: 'StudyInstanceUID', uid: el.row.StudyInstanceUID };
    case 'series':
    case 'checkSeries':
      return { keyword: 'SeriesInstanceUID', uid: el.row.SeriesInstanceUID };
    case 'instance':
      return el.row.SOPInstanceUID ? { keyword: 'SOPInstanceUID', uid: el.row.SOPInstanceUID } : undefined;
    case 'patient':
      return { keyword: 'PatientID', uid: el.row.PatientID };
    default:
      return undefined;
  }
}

export function isTreeElement(x: unknown): x is TreeElement {
  return !!x && typeof x === 'object' && typeof (x as TreeElement).kind === 'string' && typeof (x as TreeElement).id === 'string' && 'folder' in (x as object);
}
