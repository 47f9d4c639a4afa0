//! Spreadsheet cells read the way people type them, without IO: the cell
//! parsers of an import (`cells`: money, numbers, dates, yes/no, order
//! status words) and region names resolved to codes (`regions`). The
//! import pipeline in `crm-http` reads the file and the workspace's
//! vocabularies and calls these.

pub mod cells;
pub mod regions;
