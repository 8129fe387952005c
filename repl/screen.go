package repl

import (
	"bytes"
	"fmt"
	"io"
)

// screen draws a frame of lines in place at the bottom of a terminal, below the
// statement that started it. The cursor stays at the end of the frame's last line between
// draws. Each draw rewrites only the lines that changed; lines given as scrolled go above
// the frame first and stay in the terminal's history. Frame lines must be shorter than the
// terminal's width (see clip) and the frame no taller than the terminal, so that moving up
// by the frame's height finds its first line again. Not safe for concurrent use.
type screen struct {
	w     io.Writer
	lines []string // the frame on the screen now
	buf   bytes.Buffer
}

// draw writes scrolled (whole lines, each ending in "\r\n") above the frame, then the frame.
func (s *screen) draw(scrolled []byte, frame []string) error {
	b := &s.buf
	b.Reset()
	old := s.lines
	if len(old) > 0 {
		b.WriteByte('\r')
		if len(old) > 1 {
			fmt.Fprintf(b, "\033[%dA", len(old)-1)
		}
	}
	if len(scrolled) > 0 {
		b.WriteString("\033[J")
		b.Write(scrolled)
		old = nil
	}
	for i, line := range frame {
		if i > 0 {
			b.WriteString("\r\n")
		}
		if i >= len(old) || old[i] != line || i == len(frame)-1 {
			b.WriteString("\r")
			b.WriteString(line)
			b.WriteString("\033[K")
		}
	}
	if len(frame) < len(old) {
		b.WriteString("\033[J")
	}
	s.lines = append(s.lines[:0], frame...)
	_, err := s.w.Write(b.Bytes())
	return err
}

// leave ends the frame: it stays on the screen and the cursor goes to the next line.
func (s *screen) leave() error {
	if len(s.lines) == 0 {
		return nil
	}
	s.lines = s.lines[:0]
	_, err := io.WriteString(s.w, "\r\n")
	return err
}

// reset forgets the frame without touching the terminal (after it was cleared).
func (s *screen) reset() { s.lines = s.lines[:0] }

// height is the number of lines of the frame on the screen.
func (s *screen) height() int { return len(s.lines) }
