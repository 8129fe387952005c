package main

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// vtScreen is a small terminal emulator for the REPL tests: it applies what a program
// writes to a pseudo-terminal (text, CR, LF, backspace, and the CSI sequences the line
// editor and the live view use: cursor moves, erase in line and display) to a grid of
// cells, so a test can read the screen a user would see. Unknown sequences are ignored.
type vtScreen struct {
	w, h    int
	cells   [][]rune
	x, y    int
	pending []byte // an incomplete escape sequence or UTF-8 rune
}

func newVTScreen(w, h int) *vtScreen {
	s := &vtScreen{w: w, h: h}
	s.cells = make([][]rune, h)
	for i := range s.cells {
		s.cells[i] = blankLine(w)
	}
	return s
}

func blankLine(w int) []rune {
	l := make([]rune, w)
	for i := range l {
		l[i] = ' '
	}
	return l
}

// write applies output to the screen.
func (s *vtScreen) write(p []byte) {
	b := append(s.pending, p...)
	s.pending = nil
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == 0x1b:
			n := s.escape(b[i:])
			if n == 0 { // incomplete: wait for more
				s.pending = append([]byte(nil), b[i:]...)
				return
			}
			i += n
			continue
		case c == '\r':
			s.x = 0
		case c == '\n':
			s.lineFeed()
		case c == '\b':
			s.x = max(0, s.x-1)
		case c == '\t':
			s.x = min(s.w-1, (s.x/8+1)*8)
		case c < 0x20 || c == 0x7f:
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && !utf8.FullRune(b[i:]) {
				s.pending = append([]byte(nil), b[i:]...)
				return
			}
			s.put(r)
			i += size
			continue
		}
		i++
	}
}

func (s *vtScreen) put(r rune) {
	if s.x >= s.w {
		s.x = 0
		s.lineFeed()
	}
	s.cells[s.y][s.x] = r
	s.x++
}

func (s *vtScreen) lineFeed() {
	if s.y < s.h-1 {
		s.y++
		return
	}
	copy(s.cells, s.cells[1:])
	s.cells[s.h-1] = blankLine(s.w)
}

// escape applies the sequence at the start of b and returns its length, or 0 when b holds
// only part of it.
func (s *vtScreen) escape(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '[':
	case ']': // OSC ... BEL or ST
		for i := 2; i < len(b); i++ {
			if b[i] == 0x07 {
				return i + 1
			}
			if b[i] == 0x1b && i+1 < len(b) && b[i+1] == '\\' {
				return i + 2
			}
		}
		return 0
	default:
		return 2
	}
	i := 2
	for i < len(b) && (b[i] >= '0' && b[i] <= '9' || b[i] == ';' || b[i] == '?') {
		i++
	}
	if i >= len(b) {
		return 0
	}
	params := strings.Split(strings.TrimPrefix(string(b[2:i]), "?"), ";")
	arg := func(k, def int) int {
		if k < len(params) {
			if n, err := strconv.Atoi(params[k]); err == nil && n > 0 {
				return n
			}
		}
		return def
	}
	switch b[i] {
	case 'A':
		s.y = max(0, s.y-arg(0, 1))
	case 'B':
		s.y = min(s.h-1, s.y+arg(0, 1))
	case 'C':
		s.x = min(s.w-1, s.x+arg(0, 1))
	case 'D':
		s.x = max(0, s.x-arg(0, 1))
	case 'G':
		s.x = min(s.w-1, arg(0, 1)-1)
	case 'H', 'f':
		s.y, s.x = min(s.h-1, arg(0, 1)-1), min(s.w-1, arg(1, 1)-1)
	case 'K':
		from, to := s.x, s.w
		switch arg(0, 0) {
		case 1:
			from, to = 0, s.x+1
		case 2:
			from = 0
		}
		for k := from; k < min(to, s.w); k++ {
			s.cells[s.y][k] = ' '
		}
	case 'J':
		switch arg(0, 0) {
		case 2, 3:
			for y := range s.cells {
				s.cells[y] = blankLine(s.w)
			}
		default:
			for k := s.x; k < s.w; k++ {
				s.cells[s.y][k] = ' '
			}
			for y := s.y + 1; y < s.h; y++ {
				s.cells[y] = blankLine(s.w)
			}
		}
	}
	return i + 1
}

// text is the screen, one line per row, trailing blanks cut.
func (s *vtScreen) text() string {
	var lines []string
	for _, l := range s.cells {
		lines = append(lines, strings.TrimRight(string(l), " "))
	}
	return strings.Join(lines, "\n")
}

// cursorLine is the text of the cursor's row.
func (s *vtScreen) cursorLine() string { return strings.TrimRight(string(s.cells[s.y]), " ") }
