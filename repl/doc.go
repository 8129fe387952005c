// Package repl is eddy's interactive shell, the SQL client that `eddy` (no arguments) and
// `eddy repl` open: a line editor with persistent history and tab completion, statements
// that may span lines until `;`, live results of continuous queries in the three result
// modes of Flink's SQL client (table, changelog, tableau) with a status line, and
// INSERT INTO jobs that run in the background (SHOW JOBS, STOP JOB).
//
// It owns: reading statements (interactive or from a pipe), dispatching them to an
// engine.Session or to a JobRunner, rendering results on a terminal, and the client
// statements HELP, QUIT, SOURCE, SHOW JOBS and STOP JOB. It runs SQL only through
// engine.Session (catalog statements; queries through engine.LiveView; INSERTs through
// JobRunner, whose local implementation uses engine.Background). Besides engine and
// parser it imports only planner (the catalog's names, for completion), exec (row kinds),
// exec/expr (function names) and connectors/format (a cell's text); nothing in eddy but
// cmd/eddy imports it. A job server's runner lives with the command (cmd/eddy), so that
// this package does not depend on the server.
//
// # Rendering
//
// A query's rows arrive on the job's output goroutine (LiveView.Write) and are applied to
// a model of the result under a lock, at whatever rate the query produces them; the screen
// is redrawn from the model by a ticker at most every 100 ms (redrawEvery), and only the
// lines that changed are rewritten. So rendering cost does not grow with the rate of
// changes, only the cost of applying them does (see BenchmarkLiveView).
//
// On a terminal the view is drawn inline below the statement: the frame (table, or the
// latest changes) is redrawn in place and stays on the screen when the query ends. Without
// a terminal (stdin or stdout piped), results are plain text without escape codes: the
// table mode prints the final materialized table, sorted; the other modes print rows as
// they come.
package repl
