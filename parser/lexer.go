package parser

import (
	"strings"
	"unicode/utf8"
)

// tokenKind classifies a token of the streaming dialect. The lexer only needs to
// know enough to split statements, find constructs TiDB cannot read, and copy
// everything else byte for byte.
type tokenKind uint8

const (
	tkWord   tokenKind = iota + 1 // bare identifier or keyword
	tkQuoted                      // `backquoted` or "double quoted" identifier
	tkString                      // 'string literal' ('' escapes a quote)
	tkNumber                      // 12, 1.5, .5, 1e3, 0x1F
	tkOp                          // punctuation and operators
)

// token is one lexeme with its byte span in the user's text.
type token struct {
	kind  tokenKind
	start int
	end   int
	up    string // upper-cased text for tkWord, operator text for tkOp; "" otherwise
}

// lexError is a lexing problem at a byte offset of the user's text.
type lexError struct {
	off  int
	msg  string
	hint string
}

// multiOps are the operators of more than one character, longest first. `>>` and
// `<<` are deliberately absent: Flink has no shift operators, and `MAP<K,ARRAY<V>>`
// must close two angle brackets.
var multiOps = []string{"<=>", "->>", "<>", "<=", ">=", "!=", "||", "->", "=>", "::", "&&"}

// lex splits text into tokens. Comments (`-- ...` to end of line and `/* ... */`,
// including MySQL's `/*+ hint */` and `/*! code */`, which TiDB would act on) are
// whitespace: they produce no token, and the rewriter never copies them.
func lex(text string) ([]token, *lexError) {
	toks := make([]token, 0, len(text)/4+4)
	i := 0
	n := len(text)
	for i < n {
		c := text[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '-' && i+1 < n && text[i+1] == '-':
			for i < n && text[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < n && text[i+1] == '*':
			j := strings.Index(text[i+2:], "*/")
			if j < 0 {
				return toks, &lexError{off: i, msg: "unterminated comment", hint: "close the comment with */"}
			}
			i += 2 + j + 2
		case c == '\'':
			j, ok := scanQuoted(text, i, '\'')
			if !ok {
				return toks, &lexError{off: i, msg: "unterminated string literal", hint: "close the string with ' (write '' for a quote inside it)"}
			}
			toks = append(toks, token{kind: tkString, start: i, end: j})
			i = j
		case c == '`' || c == '"':
			j, ok := scanQuoted(text, i, c)
			if !ok {
				return toks, &lexError{off: i, msg: "unterminated quoted identifier", hint: "close the identifier with " + string(c)}
			}
			toks = append(toks, token{kind: tkQuoted, start: i, end: j})
			i = j
		case isDigit(c) || (c == '.' && i+1 < n && isDigit(text[i+1])):
			j := scanNumber(text, i)
			toks = append(toks, token{kind: tkNumber, start: i, end: j})
			i = j
		case isWordStart(c):
			j := i
			for j < n && isWordPart(text[j]) {
				j++
			}
			toks = append(toks, token{kind: tkWord, start: i, end: j, up: upperASCII(text[i:j])})
			i = j
		default:
			op := ""
			for _, m := range multiOps {
				if strings.HasPrefix(text[i:], m) {
					op = m
					break
				}
			}
			if op == "" {
				_, size := utf8.DecodeRuneInString(text[i:])
				op = text[i : i+size]
			}
			toks = append(toks, token{kind: tkOp, start: i, end: i + len(op), up: op})
			i += len(op)
		}
	}
	return toks, nil
}

// scanQuoted returns the end of the quoted span that starts at text[i] == q.
// A doubled quote inside escapes it, as in standard SQL.
func scanQuoted(text string, i int, q byte) (int, bool) {
	for j := i + 1; j < len(text); j++ {
		if text[j] == q {
			if j+1 < len(text) && text[j+1] == q {
				j++
				continue
			}
			return j + 1, true
		}
	}
	return len(text), false
}

func scanNumber(text string, i int) int {
	n := len(text)
	j := i
	for j < n && isDigit(text[j]) {
		j++
	}
	if j < n && text[j] == '.' {
		j++
		for j < n && isDigit(text[j]) {
			j++
		}
	}
	if j < n && (text[j] == 'e' || text[j] == 'E') {
		k := j + 1
		if k < n && (text[k] == '+' || text[k] == '-') {
			k++
		}
		if k < n && isDigit(text[k]) {
			j = k
			for j < n && isDigit(text[j]) {
				j++
			}
		}
	}
	// 0x1F, 1abc: MySQL reads these as one token; keep them whole so they are
	// copied unchanged.
	for j < n && isWordPart(text[j]) {
		j++
	}
	return j
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWordStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$' || c >= 0x80
}

func isWordPart(c byte) bool { return isWordStart(c) || isDigit(c) }

// upperASCII upper-cases ASCII letters only; it allocates only when needed.
func upperASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'a' && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// is reports whether t is the keyword w (upper case) or the operator w.
func (t token) is(w string) bool { return (t.kind == tkWord || t.kind == tkOp) && t.up == w }

// isName reports whether t can be an identifier.
func (t token) isName() bool { return t.kind == tkWord || t.kind == tkQuoted }

// unquote returns the identifier or string value a token stands for.
func unquote(text string, t token) string {
	s := text[t.start:t.end]
	switch t.kind {
	case tkString, tkQuoted:
		if len(s) < 2 {
			return ""
		}
		q := s[:1]
		return strings.ReplaceAll(s[1:len(s)-1], q+q, q)
	}
	return s
}

// matchParens returns, for each `(` / `[` token, the index of its closing token
// and for each closing token the index of its opener; -1 when unbalanced or not a bracket.
func matchParens(toks []token) []int {
	m := make([]int, len(toks))
	var stack []int
	for i, t := range toks {
		m[i] = -1
		if t.kind != tkOp {
			continue
		}
		switch t.up {
		case "(", "[":
			stack = append(stack, i)
		case ")", "]":
			want := "("
			if t.up == "]" {
				want = "["
			}
			if len(stack) > 0 && toks[stack[len(stack)-1]].up == want {
				o := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				m[o], m[i] = i, o
			} else {
				// A stray closer ends every open bracket: nothing before it can match later.
				stack = stack[:0]
			}
		}
	}
	return m
}
