package kinesis

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// faults is an http.RoundTripper in front of the real kinesalite that fails some calls the
// way Kinesis does (an error answer, or a cut connection), so that the connector's retries
// are tested against the real peer. Rules are picked by the operation (GetRecords,
// PutRecords, ...) and the count of calls of it so far (from 1).
type faults struct {
	mu    sync.Mutex
	calls map[string]int
	// rule returns what to do with call n of op: "" to pass it on, "net" to cut the
	// connection, "partial:<every>" (PutRecords) to reject every <every>-th record with
	// ProvisionedThroughputExceededException, or "<status> <ErrorCode>" to answer an error
	// without calling kinesalite.
	rule     func(op string, n int) string
	injected map[string]int // what was injected, by rule text
}

func newFaults(rule func(op string, n int) string) *faults {
	return &faults{calls: map[string]int{}, injected: map[string]int{}, rule: rule}
}

func (f *faults) client() *http.Client { return &http.Client{Transport: f} }

func (f *faults) count(what string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for k, v := range f.injected {
		if strings.Contains(k, what) {
			n += v
		}
	}
	return n
}

func (f *faults) RoundTrip(req *http.Request) (*http.Response, error) {
	op := strings.TrimPrefix(req.Header.Get("X-Amz-Target"), "Kinesis_20131202.")
	f.mu.Lock()
	f.calls[op]++
	act := f.rule(op, f.calls[op])
	if act != "" {
		f.injected[op+" "+act]++
	}
	f.mu.Unlock()
	switch {
	case act == "":
		return http.DefaultTransport.RoundTrip(req)
	case act == "net":
		return nil, fmt.Errorf("read tcp 127.0.0.1: connection reset by peer: %w", io.ErrUnexpectedEOF)
	case strings.HasPrefix(act, "partial:"):
		var every int
		fmt.Sscanf(act, "partial:%d", &every)
		return f.partialPut(req, every)
	}
	var status int
	var code string
	fmt.Sscanf(act, "%d %s", &status, &code)
	return errorAnswer(req, status, code), nil
}

func errorAnswer(req *http.Request, status int, code string) *http.Response {
	body := fmt.Sprintf(`{"__type":%q,"message":"injected by the test"}`, code)
	return &http.Response{StatusCode: status, Status: fmt.Sprintf("%d injected", status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amzn-Errortype": {code}, "X-Amzn-Requestid": {"test"}},
		Body:   io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: req}
}

// partialPut passes a PutRecords on without every every-th record, and answers as Kinesis
// does when it rejects records: those get ErrorCode ProvisionedThroughputExceededException,
// the others kinesalite's sequence numbers.
func (f *faults) partialPut(req *http.Request, every int) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	var in struct {
		StreamName string
		Records    []json.RawMessage
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, err
	}
	var kept []json.RawMessage
	rejected := map[int]bool{}
	for i, r := range in.Records {
		if (i+1)%every == 0 {
			rejected[i] = true
		} else {
			kept = append(kept, r)
		}
	}
	if len(kept) == 0 {
		return errorAnswer(req, 400, "ProvisionedThroughputExceededException"), nil
	}
	in.Records = kept
	nb, _ := json.Marshal(in)
	r2 := req.Clone(req.Context())
	r2.Body, r2.ContentLength = io.NopCloser(bytes.NewReader(nb)), int64(len(nb))
	r2.Header.Del("Content-Length")
	resp, err := http.DefaultTransport.RoundTrip(r2)
	if err != nil || resp.StatusCode != 200 {
		return resp, err
	}
	defer resp.Body.Close()
	var out struct {
		FailedRecordCount int
		Records           []map[string]any
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, err
	}
	var merged []map[string]any
	k := 0
	for i := 0; i < len(kept)+len(rejected); i++ {
		if rejected[i] {
			merged = append(merged, map[string]any{"ErrorCode": "ProvisionedThroughputExceededException", "ErrorMessage": "Rate exceeded for shard (injected)"})
			continue
		}
		merged = append(merged, out.Records[k])
		k++
	}
	out.Records, out.FailedRecordCount = merged, out.FailedRecordCount+len(rejected)
	nbody, _ := json.Marshal(out)
	resp.Body = io.NopCloser(bytes.NewReader(nbody))
	resp.ContentLength = int64(len(nbody))
	resp.Header.Del("Content-Length")
	resp.Header.Del("X-Amz-Crc32") // the body changed
	return resp, nil
}
