package parser

import (
	"strconv"
	"strings"
	"sync"

	tidb "github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	// The parser needs a driver for literal values (ast.NewValueExpr).
	_ "github.com/pingcap/tidb/pkg/parser/test_driver"
)

// sqlMode makes TiDB read SQL the way Flink means it: `||` concatenates, backslashes
// are plain characters, "double quotes" are identifiers, and `f (x)` is a call.
const sqlMode = mysql.ModeANSIQuotes | mysql.ModePipesAsConcat | mysql.ModeNoBackslashEscapes | mysql.ModeIgnoreSpace

// A TiDB parser holds state and is not safe for concurrent use; keep a pool.
var tidbParsers = sync.Pool{New: func() any {
	p := tidb.New()
	p.SetSQLMode(sqlMode)
	return p
}}

// parseTiDB parses the rewritten text of src as exactly one statement.
func parseTiDB(src *Source) (st ast.StmtNode, perr *Error) {
	p := tidbParsers.Get().(*tidb.Parser)
	defer func() {
		// Parse never panics: a panic inside TiDB's parser becomes a user error at the
		// statement, and the parser, whose state is unknown, is not reused.
		if x := recover(); x != nil {
			st, perr = nil, src.scr.errorf(src.stmtStart, "simplify the statement and report this input as a bug", sprintf("cannot parse this statement (%v)", x))
			return
		}
		tidbParsers.Put(p)
	}()
	stmts, _, err := p.ParseSQL(src.sql)
	if err != nil {
		return nil, src.syntaxError(err)
	}
	if len(stmts) != 1 {
		return nil, src.scr.errorf(src.stmtStart, "", "expected one statement")
	}
	return stmts[0], nil
}

// parseQuery parses src as a query (SELECT, set operation, VALUES, WITH ... SELECT).
func parseQuery(src *Source) (SQLQuery, *Error) {
	st, err := parseTiDB(src)
	if err != nil {
		return SQLQuery{}, err
	}
	switch q := st.(type) {
	case *ast.SelectStmt:
		return SQLQuery{Node: q, Src: src}, nil
	case *ast.SetOprStmt:
		return SQLQuery{Node: q, Src: src}, nil
	}
	return SQLQuery{}, src.scr.errorf(src.userOffset(0), "write a SELECT query here", "expected a query")
}

// parseExpr parses src, which is `SELECT <expr>`, and returns the expression.
func parseExpr(src *Source) (SQLExpr, *Error) {
	st, err := parseTiDB(src)
	if err != nil {
		return SQLExpr{}, err
	}
	sel, ok := st.(*ast.SelectStmt)
	if !ok || sel.Fields == nil || len(sel.Fields.Fields) != 1 || sel.Fields.Fields[0].Expr == nil ||
		sel.From != nil || sel.Where != nil || sel.Fields.Fields[0].AsName.L != "" {
		return SQLExpr{}, src.scr.errorf(src.userOffset(0), "write a single expression, e.g. ts - INTERVAL '5' SECOND", "expected one expression")
	}
	return SQLExpr{Node: sel.Fields.Fields[0].Expr, Src: src}, nil
}

// syntaxError maps TiDB's `line L column C near "rest"` error to the user's text.
// The near text is the rewritten SQL from the failing token to the end (at most 2048
// bytes, then "(total length N)"), so its offset is found from the end of the text.
func (s *Source) syntaxError(err error) *Error {
	msg := err.Error()
	const marker = ` near "`
	i := strings.Index(msg, marker)
	if i < 0 {
		return s.scr.errorf(s.stmtStart, "", strings.TrimSpace(trimTiDBCode(msg)))
	}
	rest := msg[i+len(marker):]
	off := -1
	if j := strings.LastIndex(rest, "(total length "); j >= 0 {
		if n, e := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest[j+len("(total length "):]), ")")); e == nil {
			off = len(s.sql) - n
		}
	}
	if off < 0 {
		for k := 0; k <= len(s.sql); k++ {
			tail := s.sql[k:]
			if strings.HasPrefix(rest, tail) && strings.HasPrefix(rest[len(tail):], `"`) {
				off = k
				break
			}
		}
	}
	if off < 0 {
		return s.scr.errorf(s.stmtStart, "", strings.TrimSpace(trimTiDBCode(msg)))
	}
	return s.syntaxErrorAt(off)
}

func trimTiDBCode(msg string) string {
	if strings.HasPrefix(msg, "[") {
		if j := strings.Index(msg, "]"); j > 0 {
			return msg[j+1:]
		}
	}
	return msg
}

// syntaxErrorAt builds the error for a syntax error at rewritten offset off: the
// user's token there, and a hint from what is around it.
func (s *Source) syntaxErrorAt(off int) *Error {
	text := s.scr.text
	for off < len(s.sql) && s.sql[off] == ' ' {
		off++
	}
	if off >= len(s.sql) {
		// At the end: point just after the last token the user wrote.
		end := int(s.to[len(s.to)-1])
		e := s.scr.errorf(end, "the statement ends too early; something is missing at the end", "syntax error at end of statement")
		if prev := s.userTokenBefore(end); prev.kind != 0 {
			if h := keywordHint(text[prev.start:prev.end]); h != "" {
				e.Hint = h
			}
		}
		return e
	}
	uoff := s.userOffset(off)
	tok, ok := s.userTokenAt(uoff)
	near := ""
	if ok {
		near = text[tok.start:tok.end]
		uoff = tok.start
	}
	e := s.scr.errorf(uoff, "check the syntax just before this point", sprintf("syntax error near %q", near))
	if h := keywordHint(near); h != "" {
		e.Hint = h
		return e
	}
	// `SELECT a FORM t` fails at t (FORM reads as an alias): the misspelt keyword came
	// just before, and that is what the user must fix.
	if prev := s.userTokenBefore(uoff); prev.kind != 0 {
		if h := keywordHint(text[prev.start:prev.end]); h != "" {
			e = s.scr.errorf(prev.start, h, sprintf("syntax error near %q", text[prev.start:prev.end]))
			return e
		}
	}
	if ok && tok.kind == tkWord && tidbOnlyReserved[tok.up] {
		e.Hint = sprintf("%s is a reserved word here; quote it as `%s`", near, near)
	} else if ok && tok.kind == tkOp && (tok.up == "[" || tok.up == "]") {
		e.Hint = "brackets are for ARRAY[a, b], MAP[k, v] and subscripts x[1], m['key']"
	} else if ok && tok.kind == tkWord {
		if h, found := unsupportedHints[tok.up]; found {
			e.Hint = h
		}
	}
	return e
}

var unsupportedHints = map[string]string{
	"MATCH_RECOGNIZE": "MATCH_RECOGNIZE is not supported yet",
	"UNNEST":          "UNNEST is not supported yet",
	"NULLS":           "NULLS FIRST / NULLS LAST is not supported yet",
	"SIMILAR":         "SIMILAR TO is not supported; use REGEXP(s, pattern)",
	"LATERAL":         "LATERAL TABLE(...) table functions are not supported yet",
}

// userTokenAt returns the user's token that contains or follows byte offset off.
func (s *Source) userTokenAt(off int) (token, bool) {
	for _, t := range s.toks {
		if t.end > off {
			return t, true
		}
	}
	return token{}, false
}

func (s *Source) userTokenBefore(off int) token {
	var prev token
	for _, t := range s.toks {
		if t.start >= off {
			break
		}
		prev = t
	}
	return prev
}

// hintKeywords are the keywords whose misspellings get a "did you mean" hint.
var hintKeywords = strings.Fields(`SELECT FROM WHERE GROUP ORDER HAVING JOIN LEFT RIGHT INNER OUTER
	CROSS UNION DISTINCT LIMIT BETWEEN LIKE INTERVAL TABLE DESCRIPTOR TUMBLE HOP SESSION CUMULATE
	WINDOW PARTITION INSERT INTO VALUES CREATE SECOND MINUTE HOUR CASE WHEN THEN ELSE CAST OVER
	WATERMARK`)

// keywordHint suggests the keyword a word is a misspelling of, or "".
func keywordHint(word string) string {
	up := upperASCII(word)
	if len(up) < 3 {
		return ""
	}
	for _, k := range hintKeywords {
		if k == up {
			return ""
		}
	}
	for _, k := range hintKeywords {
		limit := 1
		if len(k) >= 5 {
			limit = 2
		}
		if editDistance(up, k) <= limit {
			return sprintf("did you mean %s instead of %s?", k, word)
		}
	}
	return ""
}

// editDistance is the Damerau-Levenshtein (optimal string alignment) distance.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 100
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
