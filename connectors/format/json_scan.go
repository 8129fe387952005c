package format

import (
	"fmt"
	"unicode/utf8"
)

// SyntaxError is a record that is not valid JSON. Offset counts bytes from 1.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.Msg)
}

func syntaxErr(i int, msg string) error { return &SyntaxError{Offset: i + 1, Msg: msg} }

// maxDepth bounds the nesting of objects and arrays, so hostile input cannot exhaust the stack.
const maxDepth = 512

// strPlain marks the bytes a JSON string may hold without special handling.
var strPlain = func() (t [256]bool) {
	for i := 0x20; i < 0x80; i++ {
		t[i] = i != '"' && i != '\\'
	}
	return t
}()

var isWS = func() (t [256]bool) {
	t[' '], t['\t'], t['\n'], t['\r'] = true, true, true, true
	return t
}()

func skipWS(b []byte, i int) int {
	for i < len(b) && b[i] <= ' ' && isWS[b[i]] {
		i++
	}
	return i
}

// number is a scanned JSON number: mant * 10^exp. big is set when it has more than 19
// significant digits, so mant is not exact.
type number struct {
	mant  uint64
	exp   int
	neg   bool
	isInt bool // no fraction and no exponent
	big   bool
}

// scanNumber scans a JSON number starting at b[i] and returns it with the index after it.
func scanNumber(b []byte, i int) (number, int, error) {
	// Fast path: at most 19 digits in all, which covers nearly every number in practice.
	var n number
	start := i
	if i < len(b) && b[i] == '-' {
		n.neg = true
		i++
	}
	ds := i
	var m uint64
	for i < len(b) {
		d := b[i] - '0'
		if d > 9 {
			break
		}
		m = m*10 + uint64(d)
		i++
	}
	nd := i - ds
	if nd == 0 || nd > 19 || b[ds] == '0' && nd > 1 {
		return scanNumberSlow(b, start)
	}
	n.isInt = true
	if i < len(b) && b[i] == '.' {
		n.isInt = false
		i++
		fs := i
		for i < len(b) {
			d := b[i] - '0'
			if d > 9 {
				break
			}
			m = m*10 + uint64(d)
			i++
		}
		if i == fs || nd+i-fs > 19 {
			return scanNumberSlow(b, start)
		}
		n.exp = fs - i
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		return scanNumberSlow(b, start)
	}
	n.mant = m
	return n, i, nil
}

// scanNumberSlow is scanNumber for long mantissas, exponents and errors.
func scanNumberSlow(b []byte, i int) (number, int, error) {
	var n number
	start := i
	if i < len(b) && b[i] == '-' {
		n.neg = true
		i++
	}
	if i >= len(b) {
		return n, i, syntaxErr(i, "unterminated number")
	}
	sig := 0
	switch {
	case b[i] == '0':
		i++
	case b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			if sig < 19 {
				n.mant = n.mant*10 + uint64(b[i]-'0')
				sig++
			} else {
				n.big = true
				n.exp++
			}
			i++
		}
	default:
		return n, i, syntaxErr(i, "invalid number")
	}
	n.isInt = true
	if i < len(b) && b[i] == '.' {
		n.isInt = false
		i++
		fs := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			if n.mant == 0 && b[i] == '0' {
				n.exp--
			} else if sig < 19 {
				n.mant = n.mant*10 + uint64(b[i]-'0')
				n.exp--
				sig++
			} else {
				n.big = true
			}
			i++
		}
		if i == fs {
			return n, i, syntaxErr(i, "expected a digit after the decimal point")
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		n.isInt = false
		i++
		eneg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		es, e := i, 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			if e < 100000 {
				e = e*10 + int(b[i]-'0')
			}
			i++
		}
		if i == es {
			return n, i, syntaxErr(i, "expected a digit in the exponent")
		}
		if eneg {
			e = -e
		}
		n.exp += e
	}
	_ = start
	return n, i, nil
}

var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// fastFloat converts n exactly when the mantissa and the power of ten are both exact
// float64s (Clinger's fast path); ok is false otherwise.
func (n number) fastFloat() (float64, bool) {
	if n.big || n.mant > 1<<53 || n.exp < -22 || n.exp > 22 {
		return 0, false
	}
	f := float64(n.mant)
	if n.exp < 0 {
		f /= pow10[-n.exp]
	} else {
		f *= pow10[n.exp]
	}
	if n.neg {
		f = -f
	}
	return f, true
}

// appendString decodes the JSON string starting at the quote b[i] onto dst and returns the
// index after the closing quote.
func appendString(dst []byte, b []byte, i int) ([]byte, int, error) {
	i++
	for {
		start := i
		for i < len(b) && strPlain[b[i]] {
			i++
		}
		dst = append(dst, b[start:i]...)
		if i >= len(b) {
			return dst, i, syntaxErr(i, "unterminated string")
		}
		switch ch := b[i]; {
		case ch == '"':
			return dst, i + 1, nil
		case ch == '\\':
			if i+1 >= len(b) {
				return dst, i, syntaxErr(i, "unterminated string")
			}
			i++
			switch b[i] {
			case '"', '\\', '/':
				dst = append(dst, b[i])
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				r, ok := hex4(b, i+1)
				if !ok {
					return dst, i, syntaxErr(i, "invalid \\u escape")
				}
				i += 4
				if utf16Surrogate(r) {
					r2, ok2 := rune(-1), false
					if i+6 < len(b) && b[i+1] == '\\' && b[i+2] == 'u' {
						r2, ok2 = hex4(b, i+3)
					}
					if ok2 && r < 0xDC00 && r2 >= 0xDC00 && r2 < 0xE000 {
						r = (r-0xD800)<<10 + (r2 - 0xDC00) + 0x10000
						i += 6
					} else {
						r = utf8.RuneError
					}
				}
				dst = utf8.AppendRune(dst, r)
			default:
				return dst, i, syntaxErr(i, "invalid escape character")
			}
			i++
		case ch < 0x20:
			return dst, i, syntaxErr(i, "control character in string")
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				return dst, i, syntaxErr(i, "invalid UTF-8 in string")
			}
			dst = append(dst, b[i:i+size]...)
			i += size
		}
	}
}

func utf16Surrogate(r rune) bool { return r >= 0xD800 && r < 0xE000 }

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, ch := range b[i : i+4] {
		switch {
		case ch >= '0' && ch <= '9':
			r = r<<4 | rune(ch-'0')
		case ch >= 'a' && ch <= 'f':
			r = r<<4 | rune(ch-'a'+10)
		case ch >= 'A' && ch <= 'F':
			r = r<<4 | rune(ch-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// skipString validates the JSON string at the quote b[i] and returns the index after it.
func skipString(b []byte, i int) (int, error) {
	i++
	for {
		for i < len(b) && strPlain[b[i]] {
			i++
		}
		if i >= len(b) {
			return i, syntaxErr(i, "unterminated string")
		}
		switch ch := b[i]; {
		case ch == '"':
			return i + 1, nil
		case ch == '\\':
			if i+1 >= len(b) {
				return i, syntaxErr(i, "unterminated string")
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if _, ok := hex4(b, i+2); !ok {
					return i, syntaxErr(i, "invalid \\u escape")
				}
				i += 6
			default:
				return i, syntaxErr(i+1, "invalid escape character")
			}
		case ch < 0x20:
			return i, syntaxErr(i, "control character in string")
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				return i, syntaxErr(i, "invalid UTF-8 in string")
			}
			i += size
		}
	}
}

func literal(b []byte, i int, lit string) (int, error) {
	if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
		return i + len(lit), nil
	}
	return i, syntaxErr(i, "invalid literal")
}

// skipValue validates the JSON value at b[i] (no leading space) and returns the index after it.
func skipValue(b []byte, i, depth int) (int, error) {
	if i >= len(b) {
		return i, syntaxErr(i, "expected a value")
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case 'n':
		return literal(b, i, "null")
	case 't':
		return literal(b, i, "true")
	case 'f':
		return literal(b, i, "false")
	case '{', '[':
		if depth >= maxDepth {
			return i, syntaxErr(i, "nesting too deep")
		}
		return skipContainer(b, i, depth+1)
	}
	_, j, err := scanNumber(b, i)
	return j, err
}

func skipContainer(b []byte, i, depth int) (int, error) {
	obj := b[i] == '{'
	closer := byte(']')
	if obj {
		closer = '}'
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == closer {
		return i + 1, nil
	}
	for {
		var err error
		if obj {
			if i >= len(b) || b[i] != '"' {
				return i, syntaxErr(i, "expected a field name")
			}
			if i, err = skipString(b, i); err != nil {
				return i, err
			}
			i = skipWS(b, i)
			if i >= len(b) || b[i] != ':' {
				return i, syntaxErr(i, "expected ':' after a field name")
			}
			i = skipWS(b, i+1)
		}
		if i, err = skipValue(b, i, depth); err != nil {
			return i, err
		}
		i = skipWS(b, i)
		if i < len(b) && b[i] == ',' {
			i = skipWS(b, i+1)
			continue
		}
		if i < len(b) && b[i] == closer {
			return i + 1, nil
		}
		return i, syntaxErr(i, "expected ',' or '"+string(closer)+"'")
	}
}
