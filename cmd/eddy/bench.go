package main

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/eddysql/eddy/engine"
)

// nexmarkQueries are the Nexmark queries eddy runs, as in Flink's nexmark repository (the
// source tables are eddy's nexmark connector; results go to a blackhole).
//
//go:embed nexmark/*.sql
var nexmarkQueries embed.FS

const nexmarkDDL = `
CREATE TABLE person (id BIGINT, name STRING, emailAddress STRING, creditCard STRING, city STRING, state STRING,
  dateTime TIMESTAMP(3), extra STRING, WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND)
WITH ('connector' = 'nexmark', 'table' = 'person', 'events.num' = '%[1]d');
CREATE TABLE auction (id BIGINT, itemName STRING, description STRING, initialBid BIGINT, reserve BIGINT,
  dateTime TIMESTAMP(3), expires TIMESTAMP(3), seller BIGINT, category BIGINT, extra STRING,
  WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND)
WITH ('connector' = 'nexmark', 'table' = 'auction', 'events.num' = '%[1]d');
CREATE TABLE bid (auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime TIMESTAMP(3),
  extra STRING, WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND)
WITH ('connector' = 'nexmark', 'table' = 'bid', 'events.num' = '%[1]d');
`

const benchUsage = `Usage: eddy bench nexmark [--queries q0,q1,...] [--events N] [--json]

Runs Nexmark queries over eddy's built-in Nexmark generator, each in a process of its own and
into a blackhole, and prints per query: events, seconds, events/s, events/s per core used
(events per CPU-second), the cores used (CPU time / wall time) and the peak memory (RSS).
While a query runs, a progress bar shows on a terminal. --json prints one JSON object per
query with the keys query, events, seconds, events_per_second, events_per_second_per_core,
cores_used and peak_rss_bytes. Queries: %s.
`

// benchResult is one query's measurement.
type benchResult struct {
	Query                  string  `json:"query"`
	Events                 int64   `json:"events"`
	Seconds                float64 `json:"seconds"`
	EventsPerSecond        float64 `json:"events_per_second"`
	EventsPerSecondPerCore float64 `json:"events_per_second_per_core"`
	CoresUsed              float64 `json:"cores_used"`
	PeakRSSBytes           int64   `json:"peak_rss_bytes"`
}

func queryNames() []string {
	entries, _ := nexmarkQueries.ReadDir("nexmark")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".sql"))
	}
	sort.Slice(names, func(i, j int) bool {
		a, _ := strconv.Atoi(names[i][1:])
		b, _ := strconv.Atoi(names[j][1:])
		return a < b
	})
	return names
}

func benchCmd(args []string, stdout, stderr io.Writer) int {
	usage := fmt.Sprintf(benchUsage, strings.Join(queryNames(), ", "))
	if len(args) == 0 || args[0] != "nexmark" {
		fmt.Fprint(stderr, usage)
		return 2
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	queries := fs.String("queries", strings.Join(queryNames(), ","), "comma-separated queries")
	events := fs.Int64("events", 10_000_000, "events of the Nexmark stream per query")
	asJSON := fs.Bool("json", false, "one JSON object per query")
	one := fs.String("run-one", "", "(internal) run one query in this process and print its result as JSON")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if *events < 1 {
		fmt.Fprintln(stderr, "eddy bench: --events must be at least 1")
		return 2
	}
	if *one != "" {
		return benchOne(*one, *events, stdout, stderr)
	}
	known := map[string]bool{}
	for _, q := range queryNames() {
		known[q] = true
	}
	var list []string
	for _, q := range strings.Split(*queries, ",") {
		q = strings.ToLower(strings.TrimSpace(q))
		if q == "" {
			continue
		}
		if !known[q] {
			fmt.Fprintf(stderr, "eddy bench: unknown query %q; queries: %s\n", q, strings.Join(queryNames(), ", "))
			return 2
		}
		list = append(list, q)
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "eddy bench: %v\n", err)
		return 1
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "Nexmark, %d events per query, %d CPU cores, %s\n", *events, runtime.NumCPU(), runtime.Version())
		fmt.Fprintf(stdout, "%-6s %12s %9s %14s %16s %6s %10s\n", "query", "events", "seconds", "events/s", "events/s/core", "cores", "peak RSS")
	}
	failed := 0
	for _, q := range list {
		cmd := exec.Command(self, "bench", "nexmark", "--run-one", q, "--events", strconv.FormatInt(*events, 10))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, stderr
		if err := cmd.Run(); err != nil {
			failed++
			fmt.Fprintf(stderr, "eddy bench: %s failed: %v\n", q, err)
			continue
		}
		var r benchResult
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			failed++
			fmt.Fprintf(stderr, "eddy bench: %s: %v\n", q, err)
			continue
		}
		if *asJSON {
			b, _ := json.Marshal(r)
			fmt.Fprintln(stdout, string(b))
			continue
		}
		fmt.Fprintf(stdout, "%-6s %12d %9.2f %14.0f %16.0f %6.2f %7.0f MB\n", r.Query, r.Events, r.Seconds, r.EventsPerSecond,
			r.EventsPerSecondPerCore, r.CoresUsed, float64(r.PeakRSSBytes)/(1<<20))
	}
	if failed > 0 {
		return 1
	}
	return 0
}

var tableRE = regexp.MustCompile(`(?i)\b(person|auction|bid)\b`)

// benchOne runs query q in this process and prints its measurement as JSON.
func benchOne(q string, events int64, stdout, stderr io.Writer) int {
	text, err := nexmarkQueries.ReadFile("nexmark/" + q + ".sql")
	if err != nil {
		fmt.Fprintf(stderr, "eddy bench: unknown query %q\n", q)
		return 2
	}
	sess := engine.NewSession()
	sess.Format, sess.Stdout, sess.Stderr = engine.FormatNone, io.Discard, stderr
	if isTerminal(stderr) {
		// The progress bar counts the rows of the tables the query reads.
		share := map[string]float64{"person": 1.0 / 50, "auction": 3.0 / 50, "bid": 46.0 / 50}
		seen := map[string]bool{}
		total := 0.0
		for _, m := range tableRE.FindAllString(string(text), -1) {
			if t := strings.ToLower(m); !seen[t] {
				seen[t] = true
				total += share[t] * float64(events)
			}
		}
		sess.Progress, sess.ProgressTotal, sess.ProgressLabel = stderr, int64(total), q
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := sess.RunScript(ctx, "ddl.sql", fmt.Sprintf(nexmarkDDL, events)); err != nil {
		fmt.Fprintf(stderr, "eddy bench: %v\n", err)
		return 1
	}
	before := cpuTime()
	start := time.Now()
	if err := sess.RunScript(ctx, q+".sql", string(text)); err != nil {
		if errors.Is(err, context.Canceled) {
			return 130
		}
		fmt.Fprintf(stderr, "eddy bench: %s: %v\n", q, err)
		return 1
	}
	wall := time.Since(start).Seconds()
	cpu := cpuTime() - before
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	r := benchResult{Query: q, Events: events, Seconds: wall, EventsPerSecond: float64(events) / wall,
		CoresUsed: cpu / wall, PeakRSSBytes: ru.Maxrss * 1024}
	if cpu > 0 {
		r.EventsPerSecondPerCore = float64(events) / cpu
	}
	b, _ := json.Marshal(r)
	fmt.Fprintln(stdout, string(b))
	return 0
}

// cpuTime is the process's user and system CPU seconds so far.
func cpuTime() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}
