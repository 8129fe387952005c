// Command kfake runs franz-go's in-process Kafka cluster as a process on 127.0.0.1, for
// trying eddy's Kafka tables without a broker:
//
//	go run ./internal/testpeer/kfake -port 9092 -partitions 4 -topics bids,counts
//
// It runs until interrupted. Data lives in memory unless -data names a folder.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/twmb/franz-go/pkg/kfake"
)

func main() {
	port := flag.Int("port", 9092, "port to listen on (127.0.0.1)")
	partitions := flag.Int("partitions", 4, "partitions of each topic")
	topics := flag.String("topics", "", "comma-separated topics to create")
	data := flag.String("data", "", "folder to keep data in across restarts (default: memory)")
	flag.Parse()
	opts := []kfake.Opt{kfake.Ports(*port), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(*partitions)}
	if *topics != "" {
		opts = append(opts, kfake.SeedTopics(int32(*partitions), strings.Split(*topics, ",")...))
	}
	if *data != "" {
		opts = append(opts, kfake.DataDir(*data))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kfake:", err)
		os.Exit(1)
	}
	defer c.Close()
	fmt.Printf("kfake: listening on %s\n", strings.Join(c.ListenAddrs(), ", "))
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	<-stop
}
