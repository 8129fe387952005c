// Package planner turns parsed statements into executable plans: a catalog of tables and
// views, binding of names and types (SQL errors carry the user's line and column), a
// logical plan, named rewrite rules (predicate push-down, column pruning into the scan), and
// a physical plan whose every node knows its schema, its changelog mode and its time
// attribute. EXPLAIN prints that physical tree.
//
// planner imports parser (statements and TiDB ASTs) and exec (operator specs and expr). It
// must not import connectors' implementations beyond their option checks, cmd or repl.
package planner
