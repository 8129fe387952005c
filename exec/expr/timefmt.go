package expr

// Calendar arithmetic and Java-pattern formatting/parsing for epoch-millisecond UTC values.
// The session time zone is UTC, so TIMESTAMP and TIMESTAMP_LTZ format identically.

import (
	"strconv"
	"strings"
)

const msPerDay = 86400000

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// civil converts days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
func civil(days int64) (y, m, d int) {
	z := days + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	yy := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	dd := doy - (153*mp+2)/5 + 1
	mm := mp + 3
	if mm > 12 {
		mm -= 12
	}
	if mm <= 2 {
		yy++
	}
	return int(yy), int(mm), int(dd)
}

// daysFromCivil is the inverse of civil; month and day may be out of range (they carry).
func daysFromCivil(y, m, d int) int64 {
	// Normalise the month first so callers can add months freely.
	y += (m - 1) / 12
	m = (m-1)%12 + 1
	if m <= 0 {
		m += 12
		y--
	}
	yy := int64(y)
	if m <= 2 {
		yy--
	}
	era := floorDiv(yy, 400)
	yoe := yy - era*400
	mp := int64((m + 9) % 12)
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysInMonth(y, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// fields splits epoch ms into calendar fields.
type fields struct {
	y, mo, d, h, mi, s, ms int
	days                   int64
}

func split(ms int64) fields {
	days := floorDiv(ms, msPerDay)
	rem := int(ms - days*msPerDay)
	y, mo, d := civil(days)
	return fields{y: y, mo: mo, d: d, h: rem / 3600000, mi: rem / 60000 % 60, s: rem / 1000 % 60, ms: rem % 1000, days: days}
}

// dayOfWeek is 1 = Monday .. 7 = Sunday (ISO).
func dayOfWeek(days int64) int { return int(floorMod(days+3, 7)) + 1 }

func dayOfYear(f fields) int { return int(f.days-daysFromCivil(f.y, 1, 1)) + 1 }

// isoWeek is the ISO-8601 week number (weeks start on Monday; week 1 holds the first Thursday).
func isoWeek(days int64) int {
	thursday := days - int64(dayOfWeek(days)) + 4
	y, _, _ := civil(thursday)
	return int((thursday-daysFromCivil(y, 1, 1))/7) + 1
}

func append2(dst []byte, v int) []byte { return append(dst, byte('0'+v/10%10), byte('0'+v%10)) }

func appendN(dst []byte, v, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], int64(v), 10)
	neg := v < 0
	if neg {
		dst = append(dst, '-')
		s = s[1:]
	}
	for i := len(s); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// appendTimestamp prints 'yyyy-MM-dd HH:mm:ss.SSS', the form of Flink's SQL client.
func appendTimestamp(dst []byte, ms int64) []byte {
	f := split(ms)
	dst = appendN(dst, f.y, 4)
	dst = append(dst, '-')
	dst = append2(dst, f.mo)
	dst = append(dst, '-')
	dst = append2(dst, f.d)
	dst = append(dst, ' ')
	dst = append2(dst, f.h)
	dst = append(dst, ':')
	dst = append2(dst, f.mi)
	dst = append(dst, ':')
	dst = append2(dst, f.s)
	dst = append(dst, '.')
	return appendN(dst, f.ms, 3)
}

// FormatTimestamp renders epoch ms as 'yyyy-MM-dd HH:mm:ss.SSS' (UTC), for sinks and tests.
func FormatTimestamp(ms int64) string { return string(appendTimestamp(nil, ms)) }

// ParseTimestamp accepts 'yyyy-MM-dd', 'yyyy-MM-dd HH:mm[:ss[.fff]]', the ISO-8601 'T'
// separator, and a trailing 'Z' or ±HH[:]mm offset; it returns epoch ms UTC.
func ParseTimestamp(s string) (int64, bool) { return parseTimestamp(s) }

func parseTimestamp(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	p := 0
	num := func(minD, maxD int) (int, bool) {
		v, k := 0, 0
		for p < len(s) && k < maxD && s[p] >= '0' && s[p] <= '9' {
			v = v*10 + int(s[p]-'0')
			p++
			k++
		}
		return v, k >= minD
	}
	lit := func(c byte) bool {
		if p < len(s) && s[p] == c {
			p++
			return true
		}
		return false
	}
	neg := lit('-')
	y, ok := num(4, 9)
	if !ok || !lit('-') {
		return 0, false
	}
	if neg {
		y = -y
	}
	mo, ok1 := num(1, 2)
	if !ok1 || !lit('-') {
		return 0, false
	}
	d, ok2 := num(1, 2)
	if !ok2 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) {
		return 0, false
	}
	var h, mi, sec, frac int
	if p < len(s) && (s[p] == ' ' || s[p] == 'T' || s[p] == 't') {
		p++
		var ok bool
		if h, ok = num(1, 2); !ok || !lit(':') {
			return 0, false
		}
		if mi, ok = num(1, 2); !ok {
			return 0, false
		}
		if lit(':') {
			if sec, ok = num(1, 2); !ok {
				return 0, false
			}
			if lit('.') || lit(',') {
				start := p
				v, ok := num(1, 9)
				if !ok {
					return 0, false
				}
				for k := p - start; k < 3; k++ {
					v *= 10
				}
				for k := p - start; k > 3; k-- {
					v /= 10
				}
				frac = v
			}
		}
		if h > 23 || mi > 59 || sec > 59 {
			return 0, false
		}
	}
	var off int64
	if p < len(s) {
		switch s[p] {
		case 'Z', 'z':
			p++
		case '+', '-':
			sign := int64(1)
			if s[p] == '-' {
				sign = -1
			}
			p++
			oh, ok := num(2, 2)
			if !ok {
				return 0, false
			}
			lit(':')
			om, _ := num(0, 2)
			off = sign * int64(oh*3600000+om*60000)
		}
	}
	if p != len(s) {
		return 0, false
	}
	ms := daysFromCivil(y, mo, d)*msPerDay + int64(h*3600000+mi*60000+sec*1000+frac)
	return ms - off, true
}

// javaPattern is a compiled java.time / SimpleDateFormat pattern.
type javaPattern []patTok

type patTok struct {
	c   byte   // pattern letter, or 0 for literal text
	n   int    // repeat count
	lit string // literal text
}

func compilePattern(p string) javaPattern {
	var toks javaPattern
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\'':
			if i+1 < len(p) && p[i+1] == '\'' {
				toks = append(toks, patTok{lit: "'"})
				i += 2
				continue
			}
			j := i + 1
			var sb strings.Builder
			for j < len(p) {
				if p[j] == '\'' {
					if j+1 < len(p) && p[j+1] == '\'' {
						sb.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				sb.WriteByte(p[j])
				j++
			}
			toks = append(toks, patTok{lit: sb.String()})
			i = j + 1
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(p) && p[j] == c {
				j++
			}
			toks = append(toks, patTok{c: c, n: j - i})
			i = j
		default:
			toks = append(toks, patTok{lit: string(c)})
			i++
		}
	}
	return toks
}

var (
	monthNames = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	dayNames   = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
)

func (p javaPattern) format(dst []byte, ms int64) []byte {
	f := split(ms)
	for _, t := range p {
		switch t.c {
		case 0:
			dst = append(dst, t.lit...)
		case 'y', 'u':
			if t.n == 2 {
				dst = append2(dst, f.y%100)
			} else {
				dst = appendN(dst, f.y, t.n)
			}
		case 'M', 'L':
			switch {
			case t.n >= 4:
				dst = append(dst, monthNames[f.mo-1]...)
			case t.n == 3:
				dst = append(dst, monthNames[f.mo-1][:3]...)
			default:
				dst = appendN(dst, f.mo, t.n)
			}
		case 'd':
			dst = appendN(dst, f.d, t.n)
		case 'D':
			dst = appendN(dst, dayOfYear(f), t.n)
		case 'H':
			dst = appendN(dst, f.h, t.n)
		case 'k':
			h := f.h
			if h == 0 {
				h = 24
			}
			dst = appendN(dst, h, t.n)
		case 'h':
			h := f.h % 12
			if h == 0 {
				h = 12
			}
			dst = appendN(dst, h, t.n)
		case 'K':
			dst = appendN(dst, f.h%12, t.n)
		case 'm':
			dst = appendN(dst, f.mi, t.n)
		case 's':
			dst = appendN(dst, f.s, t.n)
		case 'S': // fraction of second
			var digits [9]byte
			v := f.ms * 1000000
			for k := 8; k >= 0; k-- {
				digits[k] = byte('0' + v%10)
				v /= 10
			}
			dst = append(dst, digits[:min(t.n, 9)]...)
		case 'E':
			name := dayNames[dayOfWeek(f.days)-1]
			if t.n < 4 {
				name = name[:3]
			}
			dst = append(dst, name...)
		case 'e':
			dst = appendN(dst, dayOfWeek(f.days), t.n)
		case 'a':
			if f.h < 12 {
				dst = append(dst, "AM"...)
			} else {
				dst = append(dst, "PM"...)
			}
		case 'w':
			dst = appendN(dst, isoWeek(f.days), t.n)
		case 'Q', 'q':
			dst = appendN(dst, (f.mo-1)/3+1, t.n)
		case 'z', 'V':
			dst = append(dst, "UTC"...)
		case 'Z':
			dst = append(dst, "+0000"...)
		case 'X':
			dst = append(dst, 'Z')
		case 'x':
			dst = append(dst, "+00"...)
		case 'G':
			dst = append(dst, "AD"...)
		default:
			for k := 0; k < t.n; k++ {
				dst = append(dst, t.c)
			}
		}
	}
	return dst
}

func isNumericTok(t patTok) bool {
	switch t.c {
	case 'y', 'u', 'd', 'D', 'H', 'h', 'k', 'K', 'm', 's', 'S':
		return true
	case 'M':
		return t.n <= 2
	}
	return false
}

// parse reads s according to the pattern; missing fields default to 1970-01-01 00:00:00.
func (p javaPattern) parse(s string) (int64, bool) {
	y, mo, d, h, mi, sec, frac := 1970, 1, 1, 0, 0, 0, 0
	pm, hasAmPm := false, false
	var off int64
	pos := 0
	for ti, t := range p {
		if t.c == 0 {
			if !strings.HasPrefix(s[pos:], t.lit) {
				return 0, false
			}
			pos += len(t.lit)
			continue
		}
		if isNumericTok(t) {
			maxW := 9
			if ti+1 < len(p) && isNumericTok(p[ti+1]) || t.c == 'S' {
				maxW = t.n // adjacent numeric fields: fixed width
			}
			if t.c == 'S' {
				maxW = max(t.n, 1)
			}
			start := pos
			v := 0
			for pos < len(s) && pos-start < maxW && s[pos] >= '0' && s[pos] <= '9' {
				v = v*10 + int(s[pos]-'0')
				pos++
			}
			if pos == start {
				return 0, false
			}
			switch t.c {
			case 'y', 'u':
				if t.n == 2 && pos-start == 2 {
					v += 2000
				}
				y = v
			case 'M':
				mo = v
			case 'd':
				d = v
			case 'D':
				mo, d = 1, v
			case 'H', 'k':
				h = v % 24
			case 'h', 'K':
				h = v % 12
			case 'm':
				mi = v
			case 's':
				sec = v
			case 'S':
				for k := pos - start; k < 3; k++ {
					v *= 10
				}
				for k := pos - start; k > 3; k-- {
					v /= 10
				}
				frac = v
			}
			continue
		}
		switch t.c {
		case 'M':
			found := false
			for k, name := range monthNames {
				cand := name
				if t.n == 3 {
					cand = name[:3]
				}
				if len(s)-pos >= len(cand) && strings.EqualFold(s[pos:pos+len(cand)], cand) {
					mo, pos, found = k+1, pos+len(cand), true
					break
				}
			}
			if !found {
				return 0, false
			}
		case 'E':
			found := false
			for _, name := range dayNames {
				cand := name
				if t.n < 4 {
					cand = name[:3]
				}
				if len(s)-pos >= len(cand) && strings.EqualFold(s[pos:pos+len(cand)], cand) {
					pos, found = pos+len(cand), true
					break
				}
			}
			if !found {
				return 0, false
			}
		case 'a':
			if len(s)-pos < 2 {
				return 0, false
			}
			switch strings.ToUpper(s[pos : pos+2]) {
			case "AM":
			case "PM":
				pm = true
			default:
				return 0, false
			}
			hasAmPm = true
			pos += 2
		case 'X', 'Z', 'x', 'z':
			if pos < len(s) && (s[pos] == 'Z' || s[pos] == 'z') {
				pos++
				continue
			}
			if strings.HasPrefix(s[pos:], "UTC") {
				pos += 3
				continue
			}
			if pos >= len(s) || (s[pos] != '+' && s[pos] != '-') {
				return 0, false
			}
			sign := int64(1)
			if s[pos] == '-' {
				sign = -1
			}
			pos++
			digits := make([]int, 0, 4)
			for pos < len(s) && len(digits) < 4 {
				if s[pos] == ':' {
					pos++
					continue
				}
				if s[pos] < '0' || s[pos] > '9' {
					break
				}
				digits = append(digits, int(s[pos]-'0'))
				pos++
			}
			if len(digits) < 2 {
				return 0, false
			}
			oh := digits[0]*10 + digits[1]
			om := 0
			if len(digits) == 4 {
				om = digits[2]*10 + digits[3]
			}
			off = sign * int64(oh*3600000+om*60000)
		default:
			return 0, false
		}
	}
	if pos != len(s) {
		return 0, false
	}
	if hasAmPm && pm {
		h += 12
	}
	if mo < 1 || mo > 12 || d < 1 || (p.hasDay() && d > daysInMonth(y, mo)) || h > 23 || mi > 59 || sec > 59 {
		return 0, false
	}
	return daysFromCivil(y, mo, d)*msPerDay + int64(h*3600000+mi*60000+sec*1000+frac) - off, true
}

func (p javaPattern) hasDay() bool {
	for _, t := range p {
		if t.c == 'd' {
			return true
		}
	}
	return false
}
