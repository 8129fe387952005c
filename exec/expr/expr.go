// Package expr holds eddy's scalar expression IR and its vectorised evaluation over
// Arrow record batches.
//
// The planner builds expressions (Column, Literal, Call, Case) after binding names and
// types; exec compiles them once per operator and evaluates them batch by batch. This
// package must not import planner, parser or connectors.
//
// Types are Arrow types. The SQL types map as follows:
//
//	BOOLEAN -> Boolean          TINYINT/SMALLINT/INT/BIGINT -> Int8/Int16/Int32/Int64
//	FLOAT -> Float32            DOUBLE -> Float64            DECIMAL(p,s) -> Decimal128(p,s)
//	STRING/VARCHAR/CHAR -> String (utf8)                     DATE -> Date32
//	TIMESTAMP(p) -> Timestamp(ms, "")                        TIMESTAMP_LTZ(p) -> Timestamp(ms, "UTC")
//	INTERVAL (day-time) -> Duration(ms)                      TIME -> Time32(ms)
//
// Evaluation never panics on data: a value that cannot be computed (division by zero,
// a string that does not parse in a CAST, a regex that does not match) is NULL, as
// Flink's TRY_CAST and MySQL do.
//
// Building: NewCall, NewCast and NewCase type-check and insert implicit casts (numeric
// widening INT -> BIGINT -> DECIMAL -> DOUBLE; a string compared with a temporal value is
// parsed as that type; an untyped NULL adopts the other side's type), fold constant
// sub-expressions, and return *TypeError for user mistakes. Functions lists what exists.
//
// Evaluating: Compile turns an expression into an Evaluator, which owns per-operator state
// (compiled regexps and patterns, scratch buffers) and works on whole columns with typed
// slices and validity bitmaps: a column is returned zero-copy, comparisons and arithmetic
// against a literal never materialise the literal, AND/OR/NOT work a byte of rows at a time.
// Select, Filter and TakeBatch apply a boolean condition to a batch.
//
// Files by theme: types.go (type names, widening), funcs.go (registry, NewCall), compile.go
// (Evaluator, Select), vec.go and rows.go (buffer helpers), compare.go, arith.go, logic.go,
// cond.go (CASE, COALESCE, IN), cast.go, math.go, strings.go, time.go and timefmt.go, json.go.
package expr

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Expr is a typed scalar expression over the columns of one input batch.
// Expressions are immutable values; they hold no evaluation state.
type Expr interface {
	// Type is the Arrow type of the expression's result.
	Type() arrow.DataType
	// String renders the expression for EXPLAIN, e.g. `(price > 9000)`.
	String() string
}

// Column reads column Index of the input batch.
type Column struct {
	Index int
	Name  string
	T     arrow.DataType
}

// Literal is a constant. Value is nil (SQL NULL), bool, int64 (any integer type, also
// Date32 days, Timestamp ms, Duration ms, Time32 ms), float64, string, or
// decimal128.Num (for Decimal128 types).
type Literal struct {
	Value any
	T     arrow.DataType
}

// Call applies a function or operator by its canonical lower-case name to Args.
// The names, and the argument types each accepts, are listed in Functions.
type Call struct {
	Func string
	Args []Expr
	T    arrow.DataType
}

// Case is `CASE [Operand] WHEN .. THEN .. [ELSE ..] END`. With Operand nil, each When.Cond is
// a boolean; with Operand set, each When.Cond is compared for equality with it.
// A missing Else is NULL.
type Case struct {
	Operand Expr
	Whens   []When
	Else    Expr
	T       arrow.DataType
}

// When is one branch of a Case.
type When struct{ Cond, Then Expr }

func (c *Column) Type() arrow.DataType  { return c.T }
func (l *Literal) Type() arrow.DataType { return l.T }
func (c *Call) Type() arrow.DataType    { return c.T }
func (c *Case) Type() arrow.DataType    { return c.T }

func (c *Column) String() string { return c.Name }
func (l *Literal) String() string {
	switch v := l.Value.(type) {
	case nil:
		return "NULL"
	case string:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'"
	default:
		return fmt.Sprint(v)
	}
}
func (c *Call) String() string {
	parts := make([]string, len(c.Args))
	for i, a := range c.Args {
		parts[i] = a.String()
	}
	switch c.Func {
	case "cast", "try_cast":
		if len(parts) == 1 {
			return strings.ToUpper(c.Func) + "(" + parts[0] + " AS " + TypeName(c.T) + ")"
		}
	case "neg":
		return "(- " + parts[0] + ")"
	case "not":
		return "(NOT " + parts[0] + ")"
	case "is_null", "is_not_null", "is_true", "is_false", "is_not_true", "is_not_false":
		return "(" + parts[0] + " " + strings.ToUpper(strings.ReplaceAll(c.Func, "_", " ")) + ")"
	case "in":
		return "(" + parts[0] + " IN (" + strings.Join(parts[1:], ", ") + "))"
	}
	if isInfix(c.Func) && len(parts) == 2 {
		return "(" + parts[0] + " " + strings.ToUpper(c.Func) + " " + parts[1] + ")"
	}
	return strings.ToUpper(c.Func) + "(" + strings.Join(parts, ", ") + ")"
}
func (c *Case) String() string {
	var b strings.Builder
	b.WriteString("CASE")
	if c.Operand != nil {
		b.WriteString(" " + c.Operand.String())
	}
	for _, w := range c.Whens {
		b.WriteString(" WHEN " + w.Cond.String() + " THEN " + w.Then.String())
	}
	if c.Else != nil {
		b.WriteString(" ELSE " + c.Else.String())
	}
	b.WriteString(" END")
	return b.String()
}

func isInfix(f string) bool {
	switch f {
	case "+", "-", "*", "/", "%", "=", "<>", "<", "<=", ">", ">=", "and", "or", "like", "||":
		return true
	}
	return false
}
