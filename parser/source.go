package parser

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// script is the user's whole text with a line index, shared by every Source cut from it.
type script struct {
	file  string
	text  string
	lines []int // byte offset where each line starts
}

func newScript(file, text string) *script {
	if file == "" {
		file = "<sql>"
	}
	s := &script{file: file, text: text, lines: []int{0}}
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			s.lines = append(s.lines, i+1)
		}
	}
	return s
}

// pos turns a byte offset of the user's text into a Pos (1-based line, rune column).
func (s *script) pos(off int) Pos {
	off = max(0, min(off, len(s.text)))
	l := sort.Search(len(s.lines), func(i int) bool { return s.lines[i] > off }) - 1
	l = max(l, 0)
	start := s.lines[l]
	return Pos{File: s.file, Line: l + 1, Col: utf8.RuneCountInString(s.text[start:off]) + 1, Offset: off}
}

func (s *script) errorf(off int, hint, msg string) *Error {
	p := s.pos(off)
	return &Error{Pos: p, Msg: msg, Hint: hint, LineText: LineOf(s.text, p.Line)}
}

// LineOf returns line number line (1-based) of text without its line break, or "" when
// there is no such line. Error.LineText is filled with it.
func LineOf(text string, line int) string {
	if line < 1 {
		return ""
	}
	for i := 1; i < line; i++ {
		j := strings.IndexByte(text, '\n')
		if j < 0 {
			return ""
		}
		text = text[j+1:]
	}
	if j := strings.IndexByte(text, '\n'); j >= 0 {
		text = text[:j]
	}
	return strings.TrimSuffix(text, "\r")
}

// Source is one rewritten SQL text handed to TiDB (a query, or `SELECT <expr>` for an
// expression of a DDL statement), with a map from every byte of it back to the user's
// text. Copied spans map one to one; synthesised text (the marker calls) maps to the
// start of the construct it replaced, so positions of AST nodes and TiDB's syntax errors
// can be reported where the user wrote them.
type Source struct {
	scr  *script
	sql  string  // the rewritten text
	from []int32 // per byte of sql: user offset it came from
	to   []int32 // per byte of sql: user end offset of the construct it belongs to
	// toks are the user's tokens of the statement this text was cut from; PosOf searches
	// them for names of nodes that TiDB gives no position (table names).
	toks      []token
	stmtStart int
}

// SQL returns the rewritten text that TiDB parsed. It is for debugging and tests: it is
// not the user's text, and must not be shown to users as if it were.
func (s *Source) SQL() string { return s.sql }

// File is the script's name as given to Parse ("<sql>" when none).
func (s *Source) File() string { return s.scr.file }

// userOffset maps a byte offset of the rewritten text to a byte offset of the user's text.
func (s *Source) userOffset(off int) int {
	switch {
	case len(s.from) == 0:
		return s.stmtStart
	case off < 0:
		return int(s.from[0])
	case off >= len(s.from):
		return int(s.to[len(s.to)-1])
	}
	return int(s.from[off])
}

// Pos maps a byte offset of the rewritten text to the user's position.
func (s *Source) Pos(rewrittenOffset int) Pos { return s.scr.pos(s.userOffset(rewrittenOffset)) }

// StmtPos is where the statement this Source belongs to starts.
func (s *Source) StmtPos() Pos { return s.scr.pos(s.stmtStart) }

// PosOf returns where node n is in the user's text. Expressions carry their offset
// (OriginTextPosition); table names, table sources and other nodes that TiDB gives no
// position are found by name among the statement's tokens (the first match), falling
// back to the start of the statement.
func (s *Source) PosOf(n ast.Node) Pos {
	switch n := n.(type) {
	case nil:
		return s.StmtPos()
	case ast.ExprNode:
		return s.Pos(n.OriginTextPosition())
	case *ast.SelectField:
		if n.Expr != nil {
			return s.Pos(n.Expr.OriginTextPosition())
		}
		if n.WildCard != nil {
			if n.WildCard.Table.L != "" {
				return s.posOfName(n.WildCard.Table.O)
			}
			if i := strings.IndexByte(s.sql[min(n.Offset, len(s.sql)):], '*'); i >= 0 {
				return s.Pos(n.Offset + i)
			}
		}
		return s.Pos(n.Offset)
	case *ast.TableName:
		return s.posOfName(n.Name.O)
	case *ast.TableSource:
		if n.AsName.L != "" {
			if p, ok := s.findName(n.AsName.O); ok {
				return p
			}
		}
		return s.PosOf(n.Source)
	case *ast.Join:
		return s.PosOf(n.Left)
	case *ast.TableRefsClause:
		return s.PosOf(n.TableRefs)
	case *ast.SelectStmt:
		if n.From != nil {
			// The SELECT keyword itself has no recorded position; the first field does.
			if n.Fields != nil && len(n.Fields.Fields) > 0 {
				return s.PosOf(n.Fields.Fields[0])
			}
		}
	case *ast.ByItem:
		return s.PosOf(n.Expr)
	}
	if off := n.OriginTextPosition(); off > 0 {
		return s.Pos(off)
	}
	return s.StmtPos()
}

func (s *Source) posOfName(name string) Pos {
	if p, ok := s.findName(name); ok {
		return p
	}
	return s.StmtPos()
}

// findName finds the first token of the statement naming name (case-insensitively).
func (s *Source) findName(name string) (Pos, bool) {
	if name == "" {
		return Pos{}, false
	}
	// Prefer tokens inside this Source's user span (a statement set holds several queries).
	lo, hi := s.userSpan()
	for pass := 0; pass < 2; pass++ {
		for _, t := range s.toks {
			if !t.isName() {
				continue
			}
			if pass == 0 && (t.start < lo || t.start >= hi) {
				continue
			}
			if strings.EqualFold(unquote(s.scr.text, t), name) {
				return s.scr.pos(t.start), true
			}
		}
	}
	return Pos{}, false
}

// userSpan is the byte range of the user's text this Source covers.
func (s *Source) userSpan() (int, int) {
	if len(s.from) == 0 {
		return s.stmtStart, s.stmtStart
	}
	lo, hi := int(s.from[0]), int(s.to[0])
	for i := range s.from {
		lo = min(lo, int(s.from[i]))
		hi = max(hi, int(s.to[i]))
	}
	return lo, hi
}

// Errorf builds a user error at pos, with the line of the user's text filled in.
func (s *Source) Errorf(pos Pos, hint, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: sprintf(format, args...), Hint: hint, LineText: LineOf(s.scr.text, pos.Line)}
}

// UserText returns the user's own text of a node, "" when unknown. For a
// *ast.SelectField it is the expression as written, without its alias; for other
// expressions the extent is found from the node's start and the starts of its
// descendants (best effort: trailing keywords such as `IS NULL` may be cut).
func (s *Source) UserText(n ast.Node) string {
	a, b, ok := s.rewrittenSpan(n)
	if !ok {
		return ""
	}
	return s.userTextOf(a, b)
}

// userTextOf returns the user's text behind rewritten bytes [a, b).
func (s *Source) userTextOf(a, b int) string {
	if a < 0 || b > len(s.sql) || a >= b {
		return ""
	}
	lo, hi := int(s.from[a]), int(s.to[b-1])
	for i := a; i < b; i++ {
		lo = min(lo, int(s.from[i]))
		hi = max(hi, int(s.to[i]))
	}
	if lo < 0 || hi > len(s.scr.text) || lo >= hi {
		return ""
	}
	return strings.TrimSpace(s.scr.text[lo:hi])
}

func (s *Source) rewrittenSpan(n ast.Node) (int, int, bool) {
	switch n := n.(type) {
	case *ast.SelectField:
		if n.Expr == nil {
			return 0, 0, false
		}
		a := n.Offset
		b := a + len(n.Text())
		if b <= a || b > len(s.sql) {
			return s.rewrittenSpan(n.Expr)
		}
		if n.AsName.L != "" {
			// Cut the alias (and AS) off the end of the field's text.
			toks, err := lex(s.sql[a:b])
			if err == nil && len(toks) >= 2 {
				k := len(toks) - 1
				if toks[k].isName() && strings.EqualFold(unquote(s.sql[a:b], toks[k]), n.AsName.O) {
					if k > 1 && toks[k-1].is("AS") {
						k--
					}
					b = a + toks[k-1].end
				}
			}
		}
		return a, b, true
	case ast.ExprNode:
		return exprSpan(s.sql, n)
	}
	return 0, 0, false
}

// exprSpan finds the rewritten byte range of an expression: from its start to the end
// of the last token of its last-starting descendant, extended over closing brackets
// and CASE ... END until balanced.
func exprSpan(sql string, n ast.ExprNode) (int, int, bool) {
	start := n.OriginTextPosition()
	if start < 0 || start >= len(sql) {
		return 0, 0, false
	}
	v := &maxStartVisitor{max: start}
	n.Accept(v)
	toks, err := lex(sql[start:])
	if err != nil || len(toks) == 0 {
		return 0, 0, false
	}
	rel := v.max - start
	k := 0
	for k < len(toks) && toks[k].start < rel {
		k++
	}
	if k >= len(toks) {
		k = len(toks) - 1
	}
	depth := 0
	for i := 0; i <= k; i++ {
		depth += bracketDelta(toks[i])
	}
	// A function name's call parentheses follow it.
	if k+1 < len(toks) && toks[k].kind == tkWord && toks[k+1].is("(") {
		k++
		depth++
	}
	for depth > 0 && k+1 < len(toks) {
		k++
		depth += bracketDelta(toks[k])
	}
	return start, start + toks[k].end, true
}

func bracketDelta(t token) int {
	switch {
	case t.is("("), t.is("["), t.is("CASE"):
		return 1
	case t.is(")"), t.is("]"), t.is("END"):
		return -1
	}
	return 0
}

type maxStartVisitor struct{ max int }

func (v *maxStartVisitor) Enter(n ast.Node) (ast.Node, bool) {
	if e, ok := n.(ast.ExprNode); ok {
		v.max = max(v.max, e.OriginTextPosition())
	}
	return n, false
}

func (v *maxStartVisitor) Leave(n ast.Node) (ast.Node, bool) { return n, true }
