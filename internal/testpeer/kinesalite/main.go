// Command kinesalite runs kinesalite (an implementation of the Kinesis Data Streams API, from
// npm; installed into ~/.cache/eddy-kinesalite on first use) on 127.0.0.1, and does what a
// user's Kinesis tool would, for trying eddy's Kinesis tables without AWS:
//
//	go run ./internal/testpeer/kinesalite serve -port 4567 -streams bids:2,counts:1
//	go run ./internal/testpeer/kinesalite put -stream bids -key auction < bids.json
//	go run ./internal/testpeer/kinesalite split -stream bids -shard shardId-000000000001
//	go run ./internal/testpeer/kinesalite shards -stream bids
//	go run ./internal/testpeer/kinesalite get -stream counts
//
// serve runs until interrupted (data in memory unless -data names a folder). put sends one
// record per line of standard input, keyed by a JSON field (-key) or by line number. get
// prints the data of every record, one per line, each shard from its start, parents first.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/eddysql/eddy/internal/testpeer"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	cmd, args := os.Args[1], os.Args[2:]
	fs := flag.NewFlagSet(cmd, flag.ExitOnError)
	endpoint := fs.String("endpoint", "http://127.0.0.1:4567", "kinesalite's URL")
	stream := fs.String("stream", "", "stream name")
	var err error
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	switch cmd {
	case "serve":
		port := fs.Int("port", 4567, "port to listen on (127.0.0.1)")
		data := fs.String("data", "", "folder to keep data in across restarts (default: memory)")
		streams := fs.String("streams", "", "streams to create, name:shards,... (e.g. bids:2,counts:1)")
		fs.Parse(args)
		err = serve(ctx, *port, *data, *streams)
	case "put":
		key := fs.String("key", "", "JSON field whose value is the partition key (default: the line number)")
		fs.Parse(args)
		need(*stream)
		err = put(ctx, testpeer.NewKinesisClient(*endpoint), *stream, *key)
	case "split":
		shard := fs.String("shard", "", "shard to split at the middle of its hash key range")
		fs.Parse(args)
		need(*stream)
		err = testpeer.SplitKinesisShard(ctx, testpeer.NewKinesisClient(*endpoint), *stream, *shard)
	case "shards":
		fs.Parse(args)
		need(*stream)
		err = shards(ctx, testpeer.NewKinesisClient(*endpoint), *stream)
	case "get":
		fs.Parse(args)
		need(*stream)
		var recs []testpeer.KinesisRecord
		if recs, err = testpeer.ReadKinesisStream(ctx, testpeer.NewKinesisClient(*endpoint), *stream); err == nil {
			w := bufio.NewWriter(os.Stdout)
			for _, r := range recs {
				w.Write(r.Data)
				w.WriteByte('\n')
			}
			err = w.Flush()
		}
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kinesalite:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: kinesalite serve|put|split|shards|get [flags]; see go doc ./internal/testpeer/kinesalite")
	os.Exit(2)
}

func need(stream string) {
	if stream == "" {
		fmt.Fprintln(os.Stderr, "kinesalite: -stream is required")
		os.Exit(2)
	}
}

func serve(ctx context.Context, port int, data, streams string) error {
	k, err := testpeer.RunKinesalite(port, data)
	if err != nil {
		return err
	}
	defer k.Close()
	cl := testpeer.NewKinesisClient(k.Endpoint)
	for _, s := range strings.Split(streams, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		name, n, _ := strings.Cut(s, ":")
		shards, err := strconv.Atoi(n)
		if err != nil || shards < 1 {
			shards = 1
		}
		if err := testpeer.CreateKinesisStream(ctx, cl, name, int32(shards)); err != nil {
			return err
		}
		fmt.Printf("kinesalite: stream %s with %d shards\n", name, shards)
	}
	fmt.Printf("kinesalite: listening on %s\n", k.Endpoint)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	exited := make(chan error, 1)
	go func() { exited <- k.Wait() }()
	select {
	case <-stop:
		return nil
	case err := <-exited:
		return fmt.Errorf("kinesalite exited: %v", err)
	}
}

func put(ctx context.Context, cl *kinesis.Client, stream, key string) error {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var recs []testpeer.KinesisRecord
	n := 0
	flush := func() error {
		err := testpeer.PutKinesisRecords(ctx, cl, stream, recs)
		recs = recs[:0]
		return err
	}
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		n++
		k := strconv.Itoa(n)
		if key != "" {
			var m map[string]json.RawMessage
			if json.Unmarshal([]byte(line), &m) == nil && m[key] != nil {
				k = strings.Trim(string(m[key]), `"`)
			}
		}
		recs = append(recs, testpeer.KinesisRecord{Key: k, Data: []byte(line)})
		if len(recs) == 500 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "kinesalite: put %d records into %s\n", n, stream)
	return nil
}

func shards(ctx context.Context, cl *kinesis.Client, stream string) error {
	out, err := cl.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(stream)})
	if err != nil {
		return err
	}
	for _, s := range out.Shards {
		state := "open"
		if s.SequenceNumberRange != nil && s.SequenceNumberRange.EndingSequenceNumber != nil {
			state = "closed"
		}
		fmt.Printf("%s %s parent=%s\n", aws.ToString(s.ShardId), state, aws.ToString(s.ParentShardId))
	}
	return nil
}
