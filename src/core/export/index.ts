/**
 * Exports of an index: CSV (`exportCsv`) and an Excel workbook (`exportXlsx`). The CLI, the
 * extension and the webview share `EXPORT_COLUMNS`, the column list of the CSV and of the
 * workbook's Instances sheet.
 */
export { EXPORT_COLUMNS, DECIMAL_COLUMNS } from './rows';
export type { ExportOptions, ExportResult } from './rows';
export { exportCsv, csvField } from './csv';
export { exportXlsx, summaryRows, XLSX_SHEETS, SERIES_SHEET_COLUMNS, STUDY_SHEET_COLUMNS, PROBLEM_SHEET_COLUMNS } from './xlsx';
export { CHECK_SHEET_COLUMNS } from './checksSheet';
export { neutraliseFormula, limitCell, cleanControls, safeText, safeValue, isDecimalList, MAX_CELL_CHARS } from './cells';
export { ExportRefusedError, checkExportTarget } from './target';
