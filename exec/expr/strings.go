package expr

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/google/uuid"
)

// String functions count characters (Unicode code points), not bytes, as Flink does.
// Positions are 1-based.

func registerStrings() {
	s1 := simple(sig(kString), 1, false, fixed(String))
	register("upper", "UPPER(s STRING) -> STRING", "upper case", s1, strMap(strings.ToUpper), "ucase")
	register("lower", "LOWER(s STRING) -> STRING", "lower case", s1, strMap(strings.ToLower), "lcase")
	register("initcap", "INITCAP(s STRING) -> STRING", "first letter of each word upper case, the rest lower", s1, strMap(initcap))
	register("reverse", "REVERSE(s STRING) -> STRING", "characters in reverse order", s1, strMap(reverse))
	register("md5", "MD5(s STRING) -> STRING", "MD5 digest as 32 hex digits", s1, strMap(func(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }))
	register("sha256", "SHA256(s STRING) -> STRING", "SHA-256 digest as 64 hex digits", s1, strMap(func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }))
	register("char_length", "CHAR_LENGTH(s STRING) -> INT", "number of characters", simple(sig(kString), 1, false, fixed(Int)), buildCharLength, "character_length", "length", "len")
	register("hash_code", "HASH_CODE(s STRING) -> INT", "Java's String.hashCode", simple(sig(kString), 1, false, fixed(Int)), buildHashCode)
	register("substring", "SUBSTRING(s STRING, pos INT [, len INT]) -> STRING",
		"len characters from 1-based pos (negative pos counts from the end); out of range gives ''",
		simple(sig(kString, kBigint, kBigint), 2, false, fixed(String)), buildSubstring, "substr")
	register("concat", "CONCAT(a, b, ...) -> STRING", "concatenation; NULL if any argument is NULL", simple(sig(kToStr), 1, true, fixed(String)), buildConcat, "||")
	register("concat_ws", "CONCAT_WS(sep STRING, a, b, ...) -> STRING", "concatenation with a separator, skipping NULL arguments", simple(sig(kString, kToStr), 2, true, fixed(String)), buildConcatWS)
	register("trim", "TRIM(s STRING [, chars STRING [, 'BOTH'|'LEADING'|'TRAILING']]) -> STRING", "removes chars (default space) from both ends, or one",
		simple(sig(kString, kString, kLitStr), 1, false, fixed(String)), buildTrim, "btrim")
	register("ltrim", "LTRIM(s STRING [, chars STRING]) -> STRING", "removes leading chars (default space)", simple(sig(kString, kString), 1, false, fixed(String)), buildTrim)
	register("rtrim", "RTRIM(s STRING [, chars STRING]) -> STRING", "removes trailing chars (default space)", simple(sig(kString, kString), 1, false, fixed(String)), buildTrim)
	register("replace", "REPLACE(s STRING, from STRING, to STRING) -> STRING", "replaces every occurrence of from", simple(sig(kString, kString, kString), 3, false, fixed(String)), buildReplace)
	register("regexp_extract", "REGEXP_EXTRACT(s STRING, regex STRING [, group INT]) -> STRING",
		"group (default 0, the whole match) of the first match; NULL when there is none", checkRegex(sig(kString, kString, kBigint), 2, String), buildRegexExtract)
	register("regexp_replace", "REGEXP_REPLACE(s STRING, regex STRING, replacement STRING) -> STRING",
		"replaces every match; $1 in the replacement is group 1", checkRegex(sig(kString, kString, kString), 3, String), buildRegexReplace)
	register("regexp", "REGEXP(s STRING, regex STRING) -> BOOLEAN", "TRUE when regex matches part of s", checkRegex(sig(kString, kString), 2, Bool), buildRegexMatch, "regexp_like", "rlike")
	register("like", "s LIKE pattern [ESCAPE e] -> BOOLEAN", "SQL pattern match: % any run, _ one character, default escape \\",
		checkLike, buildLike)
	register("not_like", "s NOT LIKE pattern [ESCAPE e] -> BOOLEAN", "NOT (s LIKE pattern)", checkLike, nil)
	register("position", "POSITION(sub STRING IN s STRING) -> INT", "1-based position of sub in s, 0 when absent",
		simple(sig(kString, kString), 2, false, fixed(Int)), buildLocate)
	register("locate", "LOCATE(sub STRING, s STRING [, from INT]) -> INT", "1-based position of sub in s at or after from, 0 when absent",
		simple(sig(kString, kString, kBigint), 2, false, fixed(Int)), buildLocate, "instr_pos")
	register("lpad", "LPAD(s STRING, len INT, pad STRING) -> STRING", "left-pads (or truncates) s to len characters", simple(sig(kString, kBigint, kString), 3, false, fixed(String)), buildPad)
	register("rpad", "RPAD(s STRING, len INT, pad STRING) -> STRING", "right-pads (or truncates) s to len characters", simple(sig(kString, kBigint, kString), 3, false, fixed(String)), buildPad)
	register("repeat", "REPEAT(s STRING, n INT) -> STRING", "s repeated n times", simple(sig(kString, kBigint), 2, false, fixed(String)), buildRepeat)
	register("split_index", "SPLIT_INDEX(s STRING, sep STRING, i INT) -> STRING", "the i-th (0-based) field of s split by sep; NULL when out of range",
		simple(sig(kString, kString, kBigint), 3, false, fixed(String)), buildSplitIndex)
	d := register("uuid", "UUID() -> STRING", "a random UUID", simple(nil, 0, false, fixed(String)), buildUUID)
	d.volatile = true
}

// strMap builds a STRING -> STRING function applied row by row.
func strMap(f func(string) string) buildFn {
	return func(c *compiler, call *Call) (evalFunc, error) {
		mem := c.mem
		return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
			s := strs(in[0])
			return mapString(mem, n, in, func(i int, dst []byte) ([]byte, bool) { return append(dst, f(s.Value(i))...), true }), nil
		})
	}
}

func initcap(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	start := true
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start {
				b.WriteRune(unicode.ToUpper(r))
			} else {
				b.WriteRune(unicode.ToLower(r))
			}
			start = false
		} else {
			b.WriteRune(r)
			start = true
		}
	}
	return b.String()
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func buildCharLength(c *compiler, call *Call) (evalFunc, error) {
	mem := c.mem
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		s := strs(in[0])
		return mapFixed[int32](mem, Int, n, in, func(i int) (int32, bool) { return int32(utf8.RuneCountInString(s.Value(i))), true }), nil
	})
}

func buildHashCode(c *compiler, call *Call) (evalFunc, error) {
	mem := c.mem
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		s := strs(in[0])
		return mapFixed[int32](mem, Int, n, in, func(i int) (int32, bool) {
			var h int32
			for _, r := range s.Value(i) {
				if r >= 0x10000 { // a surrogate pair in UTF-16
					r -= 0x10000
					h = 31*h + int32(0xD800+(r>>10))
					h = 31*h + int32(0xDC00+(r&0x3FF))
					continue
				}
				h = 31*h + int32(r)
			}
			return h, true
		}), nil
	})
}

// substr implements SQL SUBSTRING on characters, following Flink: pos 0 acts as 1, a
// negative pos counts from the end, anything past the end is ”.
func substr(s string, pos, length int64, hasLen bool) string {
	var nchars int64
	ascii := isASCII(s)
	if ascii {
		nchars = int64(len(s))
	} else {
		nchars = int64(utf8.RuneCountInString(s))
	}
	var start int64
	switch {
	case pos > 0:
		start = pos - 1
		if start >= nchars {
			return ""
		}
	case pos < 0:
		start = max(nchars+pos, 0)
	}
	end := nchars
	if hasLen {
		if length < 0 {
			return ""
		}
		if nchars-start > length {
			end = start + length
		}
	}
	if ascii {
		return s[start:end]
	}
	var bs, be = len(s), len(s)
	k := int64(0)
	for i := range s {
		if k == start {
			bs = i
		}
		if k == end {
			be = i
			break
		}
		k++
	}
	return s[bs:be]
}

func buildSubstring(c *compiler, call *Call) (evalFunc, error) {
	mem := c.mem
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		s, pos := strs(in[0]), int64s(in[1])
		var ln []int64
		if len(in) == 3 {
			ln = int64s(in[2])
		}
		return mapString(mem, n, in, func(i int, dst []byte) ([]byte, bool) {
			if ln != nil {
				return append(dst, substr(s.Value(i), pos[i], ln[i], true)...), true
			}
			return append(dst, substr(s.Value(i), pos[i], 0, false)...), true
		}), nil
	})
}

func buildConcat(c *compiler, call *Call) (evalFunc, error) {
	mem := c.mem
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		ss := make([]*array.String, len(in))
		for k, a := range in {
			ss[k] = strs(a)
		}
		return mapString(mem, n, in, func(i int, dst []byte) ([]byte, bool) {
			for _, s := range ss {
				dst = append(dst, s.Value(i)...)
			}
			return dst, true
		}), nil
	})
}

func buildConcatWS(c *compiler, call *Call) (evalFunc, error) {
	mem := c.mem
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		sep := strs(in[0])
		ss := make([]*array.String, len(in)-1)
		for k, a := range in[1:] {
			ss[k] = strs(a)
		}
		return mapString(mem, n, in[:1], func(i int, dst []byte) ([]byte, bool) {
			first := true
			for _, s := range ss {
				if s == nil || s.IsNull(i) {
					continue
				}
				if !first {
					dst = append(dst, sep.Value(i)...)
				}
				first = false
				dst = append(dst, s.Value(i)...)
			}
			return dst, true
		}), nil
	})
}

func buildTrim(c *compiler, call *Call) (evalFunc, error) {
	mem := c.mem
	left, right := call.Func != "rtrim", call.Func != "ltrim"
	if call.Func == "trim" && len(call.Args) == 3 {
		mode, _ := literalArg(call.Args, 2)
		m, _ := mode.(string)
		switch strings.ToUpper(m) {
		case "BOTH", "":
		case "LEADING":
			right = false
		case "TRAILING":
			left = false
		default:
			return nil, fmt.Errorf("expr: TRIM mode %q", m)
		}
	}
	args := call.Args
	if len(args) > 2 {
		args = args[:2]
	}
	return c.withArgs(args, func(in []arrow.Array, n int) (arrow.Array, error) {
		s := strs(in[0])
		var chars *array.String
		if len(in) > 1 {
			chars = strs(in[1])
		}
		return mapString(mem, n, in, func(i int, dst []byte) ([]byte, bool) {
			cut := " "
			if chars != nil {
				cut = chars.Value(i)
			}
			v := s.Value(i)
			if left {
				v = strings.TrimLeft(v, cut)
			}
			if right {
				v = strings.TrimRight(v, cut)
			}
			return append(dst, v...), true
		}), nil
	})
}

func buildReplace(c *compiler, call *Call) (evalFunc, error) {
	mem := c.mem
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		s, from, to := strs(in[0]), strs(in[1]), strs(in[2])
		return mapString(mem, n, in, func(i int, dst []byte) ([]byte, bool) {
			if from.Value(i) == "" {
				return append(dst, s.Value(i)...), true
			}
			return append(dst, strings.ReplaceAll(s.Value(i), from.Value(i), to.Value(i))...), true
		}), nil
	})
}

// javaRegex translates the common differences between Java regex and Go's RE2.
func javaRegex(p string) (*regexp.Regexp, error) {
	// \p{Alpha}-style POSIX classes and possessive quantifiers have no RE2 form; RE2's
	// error message names the construct, which is good enough for the user.
	repl := strings.NewReplacer(`\p{Alpha}`, `[a-zA-Z]`, `\p{Digit}`, `[0-9]`, `\p{Alnum}`, `[a-zA-Z0-9]`,
		`\p{Upper}`, `[A-Z]`, `\p{Lower}`, `[a-z]`, `\p{Punct}`, `[!-/:-@\[-`+"`"+`{-~]`, `\p{Space}`, `\s`)
	return regexp.Compile(repl.Replace(p))
}

// checkRegex also compiles a constant regex at plan time so a bad one is a planning error.
func checkRegex(kinds []kind, nreq int, res arrow.DataType) checkFn {
	inner := simple(kinds, nreq, false, fixed(res))
	return func(name string, args []Expr) (Expr, error) {
		e, err := inner(name, args)
		if err != nil {
			return nil, err
		}
		if v, ok := literalArg(e.(*Call).Args, 1); ok && v != nil {
			if _, err := javaRegex(v.(string)); err != nil {
				return nil, typeErrorf("%s: invalid regular expression: %v", upper(name), err)
			}
		}
		return e, nil
	}
}

// regexCache compiles per-row patterns, keeping the last few; a constant pattern is one entry.
type regexCache map[string]*regexp.Regexp

func (rc regexCache) get(p string) *regexp.Regexp {
	if re, ok := rc[p]; ok {
		return re
	}
	re, err := javaRegex(p)
	if err != nil {
		re = nil
	}
	if len(rc) > 64 {
		clear(rc)
	}
	rc[strings.Clone(p)] = re // p may point into an Arrow buffer
	return re
}

func buildRegexExtract(c *compiler, call *Call) (evalFunc, error) {
	mem, cache := c.mem, regexCache{}
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		s, p := strs(in[0]), strs(in[1])
		var g []int64
		if len(in) == 3 {
			g = int64s(in[2])
		}
		return mapString(mem, n, in, func(i int, dst []byte) ([]byte, bool) {
			re := cache.get(p.Value(i))
			if re == nil {
				return nil, false
			}
			grp := 0
			if g != nil {
				grp = int(g[i])
			}
			if grp < 0 || grp > re.NumSubexp() {
				return nil, false
			}
			m := re.FindStringSubmatchIndex(s.Value(i))
			if m == nil || m[2*grp] < 0 {
				return nil, false
			}
			return append(dst, s.Value(i)[m[2*grp]:m[2*grp+1]]...), true
		}), nil
	})
}

// javaReplacement turns Java's $1 / \$ replacement syntax into Go's ${1} / $$.
func javaReplacement(r string) string {
	var b strings.Builder
	for i := 0; i < len(r); i++ {
		switch {
		case r[i] == '\\' && i+1 < len(r):
			i++
			if r[i] == '$' {
				b.WriteString("$$")
			} else {
				b.WriteByte(r[i])
			}
		case r[i] == '$' && i+1 < len(r) && r[i+1] >= '0' && r[i+1] <= '9':
			j := i + 1
			for j < len(r) && r[j] >= '0' && r[j] <= '9' {
				j++
			}
			b.WriteString("${" + r[i+1:j] + "}")
			i = j - 1
		case r[i] == '$':
			b.WriteString("$$")
		default:
			b.WriteByte(r[i])
		}
	}
	return b.String()
}

func buildRegexReplace(c *compiler, call *Call) (evalFunc, error) {
	mem, cache := c.mem, regexCache{}
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		s, p, r := strs(in[0]), strs(in[1]), strs(in[2])
		lastR, lastGo := "", ""
		return mapString(mem, n, in, func(i int, dst []byte) ([]byte, bool) {
			re := cache.get(p.Value(i))
			if re == nil {
				return nil, false
			}
			if rv := r.Value(i); rv != lastR || lastGo == "" {
				lastR, lastGo = rv, javaReplacement(rv)
			}
			return append(dst, re.ReplaceAllString(s.Value(i), lastGo)...), true
		}), nil
	})
}

func buildRegexMatch(c *compiler, call *Call) (evalFunc, error) {
	mem, cache := c.mem, regexCache{}
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		s, p := strs(in[0]), strs(in[1])
		return mapBool(mem, n, in, func(i int) (bool, bool) {
			re := cache.get(p.Value(i))
			if re == nil {
				return false, false
			}
			return re.MatchString(s.Value(i)), true
		}), nil
	})
}

func buildLocate(c *compiler, call *Call) (evalFunc, error) {
	mem := c.mem
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		sub, s := strs(in[0]), strs(in[1])
		var from []int64
		if len(in) == 3 {
			from = int64s(in[2])
		}
		return mapFixed[int32](mem, Int, n, in, func(i int) (int32, bool) {
			hay := s.Value(i)
			skip := 0
			if from != nil {
				if from[i] < 1 {
					return 0, true
				}
				skip = int(from[i] - 1)
				rest := substr(hay, from[i], 0, false)
				hay = rest
			}
			k := strings.Index(hay, sub.Value(i))
			if k < 0 {
				return 0, true
			}
			return int32(skip + utf8.RuneCountInString(hay[:k]) + 1), true
		}), nil
	})
}

func buildPad(c *compiler, call *Call) (evalFunc, error) {
	mem, left := c.mem, call.Func == "lpad"
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		s, ln, pad := strs(in[0]), int64s(in[1]), strs(in[2])
		return mapString(mem, n, in, func(i int, dst []byte) ([]byte, bool) {
			want := int(ln[i])
			if want < 0 {
				return nil, false
			}
			r := []rune(s.Value(i))
			if len(r) >= want {
				return append(dst, string(r[:want])...), true
			}
			p := []rune(pad.Value(i))
			if len(p) == 0 {
				return nil, false
			}
			fillR := make([]rune, 0, want-len(r))
			for k := 0; len(fillR) < want-len(r); k++ {
				fillR = append(fillR, p[k%len(p)])
			}
			if left {
				return append(append(dst, string(fillR)...), string(r)...), true
			}
			return append(append(dst, string(r)...), string(fillR)...), true
		}), nil
	})
}

func buildRepeat(c *compiler, call *Call) (evalFunc, error) {
	mem := c.mem
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		s, k := strs(in[0]), int64s(in[1])
		return mapString(mem, n, in, func(i int, dst []byte) ([]byte, bool) {
			v := s.Value(i)
			if k[i] <= 0 {
				return dst, true
			}
			if int64(len(v))*k[i] > 1<<30 {
				return nil, false
			}
			for j := int64(0); j < k[i]; j++ {
				dst = append(dst, v...)
			}
			return dst, true
		}), nil
	})
}

func buildSplitIndex(c *compiler, call *Call) (evalFunc, error) {
	mem := c.mem
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		s, sep, idx := strs(in[0]), strs(in[1]), int64s(in[2])
		return mapString(mem, n, in, func(i int, dst []byte) ([]byte, bool) {
			if idx[i] < 0 || sep.Value(i) == "" {
				return nil, false
			}
			parts := strings.Split(s.Value(i), sep.Value(i))
			if idx[i] >= int64(len(parts)) {
				return nil, false
			}
			return append(dst, parts[idx[i]]...), true
		}), nil
	})
}

func buildUUID(c *compiler, call *Call) (evalFunc, error) {
	mem := c.mem
	return func(b arrow.RecordBatch) (arrow.Array, error) {
		return mapString(mem, int(b.NumRows()), nil, func(i int, dst []byte) ([]byte, bool) {
			return append(dst, uuid.NewString()...), true
		}), nil
	}, nil
}

// ---- LIKE ----

func checkLike(name string, args []Expr) (Expr, error) {
	e, err := simple(sig(kString, kString, kLitStr), 2, false, fixed(Bool))("like", args)
	if err != nil {
		return nil, err
	}
	c := e.(*Call)
	esc, hasEsc := likeEscape(c.Args)
	if v, ok := literalArg(c.Args, 2); ok && v != nil && len([]rune(v.(string))) != 1 {
		return nil, typeErrorf("LIKE: the ESCAPE string must be one character")
	}
	if v, ok := literalArg(c.Args, 1); ok && v != nil {
		if _, err := compileLike(v.(string), esc, hasEsc); err != nil {
			return nil, typeErrorf("LIKE: %v", err)
		}
	}
	if name == "not_like" {
		return NewCall("not", c)
	}
	return c, nil
}

func likeEscape(args []Expr) (rune, bool) {
	if v, ok := literalArg(args, 2); ok && v != nil {
		r, _ := utf8.DecodeRuneInString(v.(string))
		return r, true
	}
	return '\\', false
}

// likeMatcher is a compiled LIKE pattern: the common shapes (exact, prefix%, %suffix,
// %infix%) avoid regular expressions entirely.
type likeMatcher struct {
	kind byte // '=', 'p' prefix, 's' suffix, 'c' contains, 'r' regexp, '*' matches all
	lit  []byte
	re   *regexp.Regexp
}

func (m *likeMatcher) match(s []byte) bool {
	switch m.kind {
	case '=':
		return bytes.Equal(s, m.lit)
	case 'p':
		return bytes.HasPrefix(s, m.lit)
	case 's':
		return bytes.HasSuffix(s, m.lit)
	case 'c':
		return bytes.Contains(s, m.lit)
	case '*':
		return true
	}
	return m.re.Match(s)
}

// compileLike parses pattern into literal runs and wildcards. With the default escape
// ('\\', MySQL's), a trailing lone backslash is taken literally.
func compileLike(pattern string, esc rune, strict bool) (*likeMatcher, error) {
	type piece struct {
		wild rune // 0 literal, '%' or '_'
		text string
	}
	var pieces []piece
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			pieces = append(pieces, piece{text: cur.String()})
			cur.Reset()
		}
	}
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == esc:
			if i+1 >= len(rs) {
				if strict {
					return nil, fmt.Errorf("pattern %q ends with the escape character", pattern)
				}
				cur.WriteRune(r)
				continue
			}
			i++
			cur.WriteRune(rs[i])
		case r == '%' || r == '_':
			flush()
			if r == '%' && len(pieces) > 0 && pieces[len(pieces)-1].wild == '%' {
				continue
			}
			pieces = append(pieces, piece{wild: r})
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	hasUnderscore := false
	for _, p := range pieces {
		if p.wild == '_' {
			hasUnderscore = true
		}
	}
	if !hasUnderscore {
		switch {
		case len(pieces) == 0:
			return &likeMatcher{kind: '=', lit: nil}, nil
		case len(pieces) == 1 && pieces[0].wild == 0:
			return &likeMatcher{kind: '=', lit: []byte(pieces[0].text)}, nil
		case len(pieces) == 1:
			return &likeMatcher{kind: '*'}, nil
		case len(pieces) == 2 && pieces[0].wild == 0:
			return &likeMatcher{kind: 'p', lit: []byte(pieces[0].text)}, nil
		case len(pieces) == 2:
			return &likeMatcher{kind: 's', lit: []byte(pieces[1].text)}, nil
		case len(pieces) == 3 && pieces[0].wild == '%' && pieces[2].wild == '%':
			return &likeMatcher{kind: 'c', lit: []byte(pieces[1].text)}, nil
		}
	}
	var re strings.Builder
	re.WriteString(`(?s)\A`)
	for _, p := range pieces {
		switch p.wild {
		case '%':
			re.WriteString(`.*`)
		case '_':
			re.WriteString(`.`)
		default:
			re.WriteString(regexp.QuoteMeta(p.text))
		}
	}
	re.WriteString(`\z`)
	r, err := regexp.Compile(re.String())
	if err != nil {
		return nil, err
	}
	return &likeMatcher{kind: 'r', re: r}, nil
}

func buildLike(c *compiler, call *Call) (evalFunc, error) {
	mem := c.mem
	esc, strict := likeEscape(call.Args)
	if v, ok := literalArg(call.Args, 1); ok {
		if v == nil {
			return c.withArgs(call.Args[:1], func(in []arrow.Array, n int) (arrow.Array, error) {
				return array.MakeArrayOfNull(mem, Bool, n), nil
			})
		}
		m, err := compileLike(v.(string), esc, strict)
		if err != nil {
			return nil, err
		}
		return c.withArgs(call.Args[:1], func(in []arrow.Array, n int) (arrow.Array, error) {
			s := strs(in[0])
			if n == 0 {
				return array.MakeArrayOfNull(mem, Bool, 0), nil
			}
			buf, out := allocBits(mem, n)
			offs, data := s.ValueOffsets(), s.ValueBytes()
			base := offs[0]
			for i := 0; i < n; i++ {
				if m.match(data[offs[i]-base : offs[i+1]-base]) {
					out[i/8] |= 1 << (i % 8)
				}
			}
			return boolArray(n, andValidity(mem, n, s), buf), nil
		})
	}
	cache := map[string]*likeMatcher{}
	return c.withArgs(call.Args[:2], func(in []arrow.Array, n int) (arrow.Array, error) {
		s, p := strs(in[0]), strs(in[1])
		return mapBool(mem, n, in, func(i int) (bool, bool) {
			m, ok := cache[p.Value(i)]
			if !ok {
				m, _ = compileLike(p.Value(i), esc, strict)
				if len(cache) > 64 {
					clear(cache)
				}
				cache[strings.Clone(p.Value(i))] = m
			}
			if m == nil {
				return false, false
			}
			return m.match([]byte(s.Value(i))), true
		}), nil
	})
}
