package repl

import (
	"bytes"
	"fmt"
	"io"
	"sync"
)

// maxHeld bounds the messages kept while a live view owns the screen; later ones are
// counted, not kept.
const maxHeld = 64 << 10

// notices is where messages that arrive on their own go: the engine's warnings (bad and
// late records, which it writes to Session.Stderr from any goroutine) and background
// jobs ending. While a live view draws, they are held and shown after it, so they do not
// break its frame; otherwise they go straight to dst.
type notices struct {
	mu      sync.Mutex
	dst     io.Writer
	crlf    bool // a terminal that may be in raw mode: end lines with "\r\n"
	holding bool
	held    []byte
	dropped int
}

func (n *notices) Write(p []byte) (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.holding {
		if len(n.held)+len(p) <= maxHeld {
			n.held = append(n.held, p...)
		} else {
			n.dropped += bytes.Count(p, []byte("\n"))
		}
		return len(p), nil
	}
	return len(p), n.write(p)
}

func (n *notices) write(p []byte) error {
	if n.crlf {
		p = bytes.ReplaceAll(bytes.ReplaceAll(p, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
	}
	_, err := n.dst.Write(p)
	return err
}

// hold keeps messages until release.
func (n *notices) hold() {
	n.mu.Lock()
	n.holding = true
	n.mu.Unlock()
}

// release writes the messages held, and from now on writes them as they come.
func (n *notices) release() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.holding = false
	if n.dropped > 0 {
		n.held = fmt.Appendf(n.held, "eddy: ... and %d more message(s)\n", n.dropped)
	}
	if len(n.held) > 0 {
		n.write(n.held)
	}
	n.held, n.dropped = nil, 0
}
