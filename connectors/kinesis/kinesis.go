// Package kinesis is eddy's Amazon Kinesis Data Streams connector ('connector' = 'kinesis'),
// a source and a sink with the options of Flink's Kinesis SQL connector.
//
// The source reads every shard of a stream in its own goroutine, with GetRecords or with
// enhanced fan-out (SubscribeToShard), and decodes each shard's records into Arrow batches
// of their own so that the watermark is kept per shard. It finds new shards while running
// ('scan.shard.discovery.intervalmillis', and at once when a shard ends), reads a child
// shard only after its parents were read to their end (so the records of one partition key
// stay in order across a reshard), reports finished and quiet shards idle, and can read a
// bounded snapshot ('scan.bounded.mode' = 'latest'). Its position (sequence numbers per
// shard) is saved in checkpoints (connectors.Resumable). The sink puts rows as records with
// PutRecords, at least once (connectors.CheckpointSink).
//
// Contracts shared by the package:
//   - Every call to Kinesis is retried here, not by the SDK: throttling
//     (ProvisionedThroughputExceeded, LimitExceeded), 5xx answers and network errors wait an
//     exponential backoff with jitter (Backoff); an expired shard iterator is re-acquired
//     after the last sequence number read. Other errors stop the job, naming the table.
//   - Nothing blocks longer than 'aws.startup-timeout' to find out that the stream is
//     missing, the endpoint unreachable or the credentials wrong.
//   - Bad records are skipped, counted per shard (connectors.BadRecord.Split is the shard
//     id) and reported with "stream/shard/sequence".
//
// The package imports connectors, connectors/format and exec, and the AWS SDK for Go v2; it
// knows nothing of SQL.
package kinesis

import "github.com/eddysql/eddy/connectors"

func init() {
	connectors.Register(&connectors.Factory{
		Name: "kinesis", Options: Options(), Metadata: metadataDocs,
		NewSource: func(spec connectors.TableSpec) (connectors.Source, error) { return newTableSource(spec) },
		NewSink:   func(spec connectors.TableSpec) (connectors.Sink, error) { return newTableSink(spec) },
	})
}
