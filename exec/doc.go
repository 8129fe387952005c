// Package exec runs physical plans: a push-based graph of operators over Arrow record
// batches, with watermarks and end of input as typed messages.
//
// exec owns operator runtime state (window and aggregate state, watermark trackers,
// late-record counters). It must not import parser or planner: the planner hands it
// fully bound specs (see the *Spec types) and expr.Expr trees.
package exec
