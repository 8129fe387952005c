package parser

import (
	"fmt"
	"strings"
)

// emitter builds a rewritten text together with its map back to the user's text.
type emitter struct {
	text    string // the user's script
	buf     []byte
	from    []int32
	to      []int32
	lastEnd int  // user end offset of the last copied token, -1 after synthesised text
	glue    bool // the next piece follows without a space (after "(" or " ")
}

func newEmitter(text string, sizeHint int) *emitter {
	return &emitter{
		text:    text,
		buf:     make([]byte, 0, sizeHint),
		from:    make([]int32, 0, sizeHint),
		to:      make([]int32, 0, sizeHint),
		lastEnd: -1,
	}
}

// copyTok copies a token of the user's text. A space goes before it when the user
// had whitespace (or a comment) there, so adjacent tokens such as `X'0A'` or `a.b`
// stay adjacent and nothing else is glued together.
func (e *emitter) copyTok(t token) {
	if len(e.buf) > 0 && !e.glue && t.start != e.lastEnd {
		e.space(t.start)
	}
	e.glue = false
	for i := t.start; i < t.end; i++ {
		e.buf = append(e.buf, e.text[i])
		e.from = append(e.from, int32(i))
		e.to = append(e.to, int32(i+1))
	}
	e.lastEnd = t.end
}

// synth appends text that the user did not write; its bytes map to the construct
// [from, to) of the user's text that it stands for.
func (e *emitter) synth(s string, from, to int) {
	if len(e.buf) > 0 && !e.glue {
		e.space(from)
	}
	if strings.Contains(s, "__") {
		s = quoteMarkers(s)
	}
	for i := 0; i < len(s); i++ {
		e.buf = append(e.buf, s[i])
		e.from = append(e.from, int32(from))
		e.to = append(e.to, int32(to))
	}
	e.lastEnd = -1
	e.glue = len(s) > 0 && (s[len(s)-1] == '(' || s[len(s)-1] == ' ')
}

// synthGlued is synth without a separating space (for `__f(` directly after a name).
func (e *emitter) synthGlued(s string, from, to int) {
	e.glue = true
	e.synth(s, from, to)
}

// quotedTok copies a bare word as a backquoted identifier.
func (e *emitter) quotedTok(t token) {
	e.synth("`", t.start, t.end)
	e.glue = true
	e.copyTok(t)
	e.glue = true
	e.synth("`", t.start, t.end)
}

func (e *emitter) space(at int) {
	e.buf = append(e.buf, ' ')
	e.from = append(e.from, int32(at))
	e.to = append(e.to, int32(at))
}

func (e *emitter) len() int { return len(e.buf) }

// truncate drops everything emitted after n bytes (used when a construct found later,
// such as FILTER or IS DISTINCT FROM, must wrap text already emitted).
func (e *emitter) truncate(n int) {
	e.buf, e.from, e.to = e.buf[:n], e.from[:n], e.to[:n]
	e.lastEnd, e.glue = -1, false
}

func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// quoteMarkers backquotes the synthesised names that start with "__" (markers, and
// aliases such as __data). TiDB's lexer looks every bare identifier that starts with
// "_" up as a character set introducer (`_utf8'x'`), and the failed lookup builds an
// error with a stack trace: a third of the parse time of a window query. A backquoted
// name skips that lookup and means the same (FnName.L is still "__interval").
func quoteMarkers(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "__") && (i == 0 || !isWordPart(s[i-1]) && s[i-1] != '`') {
			j := i
			for j < len(s) && isWordPart(s[j]) {
				j++
			}
			b.WriteByte('`')
			b.WriteString(s[i:j])
			b.WriteByte('`')
			i = j
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}
