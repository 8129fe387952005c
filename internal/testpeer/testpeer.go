// Package testpeer starts real protocol peers for eddy's integration tests, on 127.0.0.1 only.
//
// Kafka: StartKafka runs franz-go's kfake, an in-process Kafka cluster that speaks the real
// wire protocol (produce, fetch, groups, transactions, SASL, TLS), on a random port, closed
// when the test ends. Kcat returns Debian's kcat (librdkafka), installing it with apt-get if
// needed, so tests can check interoperability with a client nobody here wrote; KcatProduce and
// KcatConsume drive it.
package testpeer

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// StartKafka starts a one-broker kfake cluster on 127.0.0.1 (random port) with topics, each of
// partitions partitions, and returns the broker address host:port. The cluster is closed when
// the test ends. Topics are not created on demand: a missing topic is an error, so tests of
// that path are real (use StartKafkaWith and kfake.AllowAutoTopicCreation to change it).
func StartKafka(t testing.TB, partitions int, topics ...string) (addr string) {
	t.Helper()
	var opts []kfake.Opt
	if len(topics) > 0 {
		opts = append(opts, kfake.SeedTopics(int32(partitions), topics...))
	}
	if partitions > 0 {
		opts = append(opts, kfake.DefaultNumPartitions(partitions))
	}
	return StartKafkaWith(t, opts...)
}

// StartKafkaWith starts a one-broker kfake cluster on 127.0.0.1 (random port) with further
// kfake options (they may override the broker count, e.g. kfake.NumBrokers(3); SASL with
// kfake.EnableSASL and kfake.Superuser; TLS with kfake.TLS) and returns the first broker's
// address. The cluster is closed when the test ends.
func StartKafkaWith(t testing.TB, opts ...kfake.Opt) (addr string) {
	t.Helper()
	c := StartKafkaCluster(t, opts...)
	return c.ListenAddrs()[0]
}

// StartKafkaCluster is StartKafkaWith returning the cluster itself, for tests that control it
// (kfake's Control hooks, MoveTopicPartition, more brokers). It is closed when the test ends.
func StartKafkaCluster(t testing.TB, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1)}, opts...)...)
	if err != nil {
		t.Fatalf("testpeer: starting kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

var (
	kcatOnce sync.Once
	kcatPath string
	kcatErr  error
)

// Kcat returns the path of the kcat binary (or its old name kafkacat). When neither is on
// PATH it runs `apt-get install -y kcat`, and `apt-get update` then the install again if that
// fails. It skips the test, saying why, only when kcat cannot be installed (no apt-get, not
// root, no package source). The lookup and install run once per test binary.
func Kcat(t testing.TB) string {
	t.Helper()
	kcatOnce.Do(func() { kcatPath, kcatErr = findOrInstallKcat() })
	if kcatErr != nil {
		t.Skipf("testpeer: kcat is not installed and cannot be installed here, so this interoperability test cannot run: %v", kcatErr)
	}
	return kcatPath
}

func findOrInstallKcat() (string, error) {
	look := func() (string, error) {
		for _, name := range []string{"kcat", "kafkacat"} {
			if p, err := exec.LookPath(name); err == nil {
				return p, nil
			}
		}
		return "", fmt.Errorf("kcat not on PATH")
	}
	if p, err := look(); err == nil {
		return p, nil
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return "", fmt.Errorf("kcat is not on PATH and there is no apt-get to install it")
	}
	if os.Geteuid() != 0 {
		return "", fmt.Errorf("kcat is not on PATH and installing it with apt-get needs root (run: sudo apt-get install -y kcat)")
	}
	apt := func(args ...string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		// Wait for the dpkg lock rather than fail when another test binary installs at the same time.
		cmd := exec.CommandContext(ctx, "apt-get", append([]string{"-o", "DPkg::Lock::Timeout=300"}, args...)...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("apt-get %s: %v: %s", strings.Join(args, " "), err, lastLines(out, 5))
		}
		return nil
	}
	if err := apt("install", "-y", "kcat"); err != nil {
		if uerr := apt("update"); uerr != nil {
			return "", fmt.Errorf("%v; then %v", err, uerr)
		}
		if err := apt("install", "-y", "kcat"); err != nil {
			return "", err
		}
	}
	return look()
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// runKcat runs kcat with args and stdin, failing the test on a non-zero exit, an error line on
// stderr or after a minute.
func runKcat(t testing.TB, stdin []byte, args ...string) []byte {
	t.Helper()
	bin := Kcat(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("testpeer: kcat %s: %v\nstderr: %s", strings.Join(args, " "), err, stderr.String())
	}
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(l, "ERROR") || strings.Contains(l, "Delivery failed") || strings.Contains(l, "% Failed") {
			t.Fatalf("testpeer: kcat %s reported: %s\nstderr: %s", strings.Join(args, " "), l, stderr.String())
		}
	}
	return stdout.Bytes()
}

// KcatProduce writes lines to topic with kcat (acks=all, no compression), one record per
// line, and waits until kcat has delivered them all. With keyed, each line is
// "key<TAB>value" and kcat sends the key, so Kafka's default partitioner spreads the records
// by key; without, the whole line is the value and the key is null. Lines must not contain
// a newline.
func KcatProduce(t testing.TB, addr, topic string, lines []string, keyed bool) {
	t.Helper()
	var in bytes.Buffer
	for _, l := range lines {
		if strings.ContainsRune(l, '\n') {
			t.Fatalf("testpeer: KcatProduce: line %q contains a newline", l)
		}
		in.WriteString(l)
		in.WriteByte('\n')
	}
	args := []string{"-P", "-b", addr, "-t", topic, "-X", "acks=all", "-X", "compression.codec=none"}
	if keyed {
		args = append(args, "-K", "\t")
	}
	runKcat(t, in.Bytes(), args...)
}

// KcatConsume reads every record of every partition of topic from the beginning with kcat and
// returns the values, one string per record (partitions interleaved, each in offset order);
// kcat exits when it reached the end of all partitions (-e). With readCommitted it reads with
// isolation.level=read_committed (records of aborted transactions are hidden). Values must
// not contain a newline.
func KcatConsume(t testing.TB, addr, topic string, readCommitted bool) []string {
	t.Helper()
	args := []string{"-C", "-b", addr, "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%s\n"}
	if readCommitted {
		args = append(args, "-X", "isolation.level=read_committed")
	} else {
		args = append(args, "-X", "isolation.level=read_uncommitted")
	}
	out := runKcat(t, nil, args...)
	s := strings.TrimSuffix(string(out), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
