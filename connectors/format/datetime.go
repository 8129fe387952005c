package format

// daysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian date
// (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (y, m, d int64) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func daysInMonth(y, m int64) int64 {
	switch m {
	case 4, 6, 9, 11:
		return 30
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	}
	return 31
}

func digits2(s []byte, i int) (int64, bool) {
	a, b := s[i]-'0', s[i+1]-'0'
	if a > 9 || b > 9 {
		return 0, false
	}
	return int64(a)*10 + int64(b), true
}

// parseDate parses the 'yyyy-MM-dd' at the start of s into days since the epoch.
func parseDate(s []byte) (int64, bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y1, ok1 := digits2(s, 0)
	y2, ok2 := digits2(s, 2)
	m, ok3 := digits2(s, 5)
	d, ok4 := digits2(s, 8)
	if !(ok1 && ok2 && ok3 && ok4) || m < 1 || m > 12 || d < 1 {
		return 0, false
	}
	y := y1*100 + y2
	if d > daysInMonth(y, m) {
		return 0, false
	}
	return daysFromCivil(y, m, d), true
}

// parseDateTime parses 'yyyy-MM-dd[( |T)HH:mm[:ss[.f{1,9}]]][Z|(+|-)HH[[:]mm]]' into
// seconds and nanoseconds since the epoch. A zone offset is applied, so the result is
// the UTC instant; text without a zone is read as UTC.
func parseDateTime(s []byte) (secs, nanos int64, ok bool) {
	days, ok := parseDate(s)
	if !ok {
		return 0, 0, false
	}
	if len(s) == 10 {
		return days * 86400, 0, true
	}
	return parseTime(s, days*86400)
}

// parseTime parses what follows the date in parseDateTime; secs holds the date's seconds.
func parseTime(s []byte, secs int64) (_, nanos int64, ok bool) {
	if s[10] != ' ' && s[10] != 'T' && s[10] != 't' || len(s) < 16 || s[13] != ':' {
		return 0, 0, false
	}
	hh, ok1 := digits2(s, 11)
	mm, ok2 := digits2(s, 14)
	if !ok1 || !ok2 || hh > 23 || mm > 59 {
		return 0, 0, false
	}
	secs += hh*3600 + mm*60
	i := 16
	if i < len(s) && s[i] == ':' {
		if len(s) < i+3 {
			return 0, 0, false
		}
		ss, ok := digits2(s, i+1)
		if !ok || ss > 59 {
			return 0, 0, false
		}
		secs += ss
		i += 3
		if i < len(s) && s[i] == '.' {
			i++
			start, scale := i, int64(100_000_000)
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				if i-start < 9 {
					nanos += int64(s[i]-'0') * scale
					scale /= 10
				}
				i++
			}
			if i == start {
				return 0, 0, false
			}
		}
	}
	if i == len(s) {
		return secs, nanos, true
	}
	switch s[i] {
	case 'Z', 'z':
		return secs, nanos, i+1 == len(s)
	case '+', '-':
		sign := int64(1)
		if s[i] == '-' {
			sign = -1
		}
		rest := s[i+1:]
		var oh, om int64
		var ok bool
		switch {
		case len(rest) == 2:
			oh, ok = digits2(rest, 0)
		case len(rest) == 4:
			oh, ok = digits2(rest, 0)
			if ok {
				om, ok = digits2(rest, 2)
			}
		case len(rest) == 5 && rest[2] == ':':
			oh, ok = digits2(rest, 0)
			if ok {
				om, ok = digits2(rest, 3)
			}
		}
		if !ok || oh > 18 || om > 59 {
			return 0, 0, false
		}
		return secs - sign*(oh*3600+om*60), nanos, true
	}
	return 0, 0, false
}

// dateCache remembers the last date parsed: the timestamps of a stream mostly share it.
type dateCache struct {
	text [10]byte
	days int64
	ok   bool
}

// parseDateTime is the package's parseDateTime with the date part cached.
func (dc *dateCache) parseDateTime(s []byte) (secs, nanos int64, ok bool) {
	if len(s) < 16 || !dc.ok || string(s[:10]) != string(dc.text[:]) {
		secs, nanos, ok = parseDateTime(s)
		if ok {
			copy(dc.text[:], s)
			dc.days, dc.ok = parseDate(s) // the date as written, before any offset
		}
		return secs, nanos, ok
	}
	return parseTime(s, dc.days*86400)
}
