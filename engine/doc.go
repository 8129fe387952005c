// Package engine runs SQL scripts: it parses statements, keeps the session's catalog,
// plans queries and INSERTs, builds their operator pipelines from the physical plan,
// connects sources and sinks, and reports bad and late records.
//
// It is the one place that turns a physical plan into running operators; cmd/eddy, the
// REPL, the golden tests and (later) the job server all run SQL through it. engine imports
// parser, planner, exec and connectors; nothing below it imports engine.
package engine
