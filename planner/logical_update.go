package planner

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddysql/eddy/exec"
	"github.com/eddysql/eddy/exec/expr"
)

// Aggregate is a GROUP BY without a window: its result changes as rows arrive (an updating
// result). Output: Keys, then Aggs.
type Aggregate struct {
	Input    Node
	Keys     []int
	KeyNames []string
	Aggs     []exec.AggSpec
}

// JoinType is the SQL join type.
type JoinType uint8

const (
	InnerJoin JoinType = iota
	LeftJoin
	RightJoin
	FullJoin
)

func (t JoinType) String() string {
	return [...]string{"InnerJoin", "LeftOuterJoin", "RightOuterJoin", "FullOuterJoin"}[t]
}

// JoinKind is how a join is executed, decided from its inputs and condition.
type JoinKind uint8

const (
	// RegularJoin keeps both inputs in state (unbounded unless a state TTL is set).
	RegularJoin JoinKind = iota
	// IntervalJoin bounds the time attributes of both sides against each other; state is
	// freed by the watermark.
	IntervalJoin
	// LookupJoin enriches each row from a reference table (FOR SYSTEM_TIME AS OF).
	LookupJoin
	// WindowJoin joins the rows of the same window of two window TVFs.
	WindowJoin
)

// Join joins Left and Right. Cond is over left ++ right columns; it is split into equality
// keys (LeftKeys over the left columns, RightKeys over the right ones) and Residual.
type Join struct {
	Left, Right         Node
	Type                JoinType
	Kind                JoinKind
	Cond                expr.Expr
	LeftKeys, RightKeys []expr.Expr
	Residual            expr.Expr
	// IntervalJoin: Right.time - Left.time in [Lower, Upper] ms.
	LeftTime, RightTime int
	Lower, Upper        int64
	// WindowJoin: window_start / window_end columns of each side.
	LeftStart, LeftEnd, RightStart, RightEnd int
}

// SortKey is one ORDER BY column of an OVER window.
type SortKey struct {
	Col  int
	Desc bool
}

// OverFuncKind is what an OVER function computes.
type OverFuncKind uint8

const (
	OverAgg OverFuncKind = iota
	OverRowNumber
	OverLag
	OverLead
)

// OverFunc is one function of an OVER window.
type OverFunc struct {
	Kind    OverFuncKind
	Agg     exec.AggSpec // OverAgg
	Arg     int          // LAG/LEAD value column
	Offset  int64        // LAG/LEAD offset
	Default int          // LAG/LEAD default column, -1: NULL
	Rows    bool         // ROWS frame (else RANGE)
	// Preceding is the frame start: rows (ROWS) or milliseconds (RANGE) before the current
	// row; -1 is UNBOUNDED PRECEDING.
	Preceding int64
	Name      string
	Type      arrow.DataType
}

// Over appends one column per function, computed per partition in ORDER BY order.
type Over struct {
	Input     Node
	Partition []int
	Order     []SortKey
	Funcs     []OverFunc
}

// Rank keeps, per partition, the rows whose ROW_NUMBER() by Order is in [Low, High], and
// appends the row number (Top-N and deduplication).
type Rank struct {
	Input         Node
	Partition     []int
	Order         []SortKey
	Low, High     int64
	RowNumberName string
}

func (a *Aggregate) Inputs() []Node { return []Node{a.Input} }
func (j *Join) Inputs() []Node      { return []Node{j.Left, j.Right} }
func (o *Over) Inputs() []Node      { return []Node{o.Input} }
func (r *Rank) Inputs() []Node      { return []Node{r.Input} }

func (a *Aggregate) Schema() Schema {
	in := a.Input.Schema()
	var out Schema
	for i, k := range a.Keys {
		out = append(out, Field{Name: a.KeyNames[i], Type: in[k].Type})
	}
	for _, g := range a.Aggs {
		out = append(out, Field{Name: g.Name, Type: g.Type})
	}
	return out
}

func (j *Join) Schema() Schema {
	out := append(append(Schema{}, j.Left.Schema()...), j.Right.Schema()...)
	nl := len(j.Left.Schema())
	for i := range out {
		switch j.Kind {
		case IntervalJoin:
			out[i].RowTime = i == j.LeftTime || i == nl+j.RightTime
		case LookupJoin:
			out[i].RowTime = out[i].RowTime && i < nl
		default:
			// A regular join or a window join emits rows whose time can be behind the
			// watermark: the time attributes become plain timestamps (as in Flink).
			out[i].RowTime = false
		}
	}
	return out
}

func (o *Over) Schema() Schema {
	out := append(Schema{}, o.Input.Schema()...)
	for _, f := range o.Funcs {
		out = append(out, Field{Name: f.Name, Type: f.Type})
	}
	return out
}

func (r *Rank) Schema() Schema {
	return append(append(Schema{}, r.Input.Schema()...), Field{Name: r.RowNumberName, Type: arrow.PrimitiveTypes.Int64})
}
