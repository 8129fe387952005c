// Package format turns records into Arrow batches and Arrow rows into text.
//
// Decoders (JSON lines, CSV) fill typed column buffers for the columns a query reads and
// build Arrow arrays from them on Flush; a record that does not decode leaves the batch as
// it was and returns an error saying why. Encoders (JSON, CSV, and TextValue for tables
// and the print sink) write values exactly as semantics.md specifies: TIMESTAMP as
// "2026-11-01 00:00:10.000" in UTC, DECIMAL with its scale, DOUBLE as the shortest text.
//
// This package knows nothing about connectors, files or the engine: it must not import
// exec, planner, parser or connectors.
package format
