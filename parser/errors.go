package parser

import (
	"fmt"
	"strings"
)

// Pos is a position in the user's own text. Line and Col are 1-based; Col counts
// characters (runes), not bytes. Offset is the byte offset in the text.
type Pos struct {
	File   string
	Line   int
	Col    int
	Offset int
}

func (p Pos) String() string {
	f := p.File
	if f == "" {
		f = "<sql>"
	}
	return fmt.Sprintf("%s:%d:%d", f, p.Line, p.Col)
}

// Error is a user error with a position in the user's SQL: what is wrong, the line of SQL
// with a caret under the column, and a hint that says what would fix it.
// Error() renders all of it:
//
//	job.sql:3:8: unknown column "pricee"
//	  SELECT pricee FROM bid
//	         ^
//	hint: columns of bid are: auction, bidder, price, ts
type Error struct {
	Pos      Pos
	Msg      string
	Hint     string
	LineText string // the user's line of SQL holding Pos, without its newline
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", e.Pos, e.Msg)
	if e.LineText != "" {
		line := strings.ReplaceAll(e.LineText, "\t", " ")
		fmt.Fprintf(&b, "\n  %s\n  %s^", line, strings.Repeat(" ", max(0, e.Pos.Col-1)))
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, "\nhint: %s", e.Hint)
	}
	return b.String()
}
