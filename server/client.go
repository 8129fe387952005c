package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Client calls a job server's API: the CLI (`eddy submit`, `eddy jobs`, ...) and the REPL's
// --server mode use it.
type Client struct {
	URL   string // e.g. http://127.0.0.1:8081
	Token string // sent as a bearer token when not empty
	HTTP  *http.Client
}

// NewClient returns a client of the server at url.
func NewClient(url, token string) *Client {
	return &Client{URL: strings.TrimRight(url, "/"), Token: token, HTTP: &http.Client{Timeout: 10 * time.Minute}}
}

// Submit submits a script and returns the new job's id. A refused script's error holds the
// server's message: the line, column and caret of the mistake.
func (c *Client) Submit(name, sql string) (string, error) {
	var out struct {
		ID string `json:"id"`
	}
	err := c.call("POST", "/v1/jobs", SubmitRequest{SQL: sql, Name: name}, &out)
	return out.ID, err
}

// List lists the server's jobs.
func (c *Client) List() ([]JobInfo, error) {
	var out []JobInfo
	err := c.call("GET", "/v1/jobs", nil, &out)
	return out, err
}

// Describe returns one job's status.
func (c *Client) Describe(id string) (JobInfo, error) {
	var out JobInfo
	err := c.call("GET", "/v1/jobs/"+id, nil, &out)
	return out, err
}

// Savepoint takes a savepoint of a running job and returns where it went.
func (c *Client) Savepoint(id string) ([]string, error) {
	var out struct {
		Savepoints []struct {
			Path string `json:"path"`
		} `json:"savepoints"`
	}
	if err := c.call("POST", "/v1/jobs/"+id+"/savepoint", nil, &out); err != nil {
		return nil, err
	}
	var paths []string
	for _, s := range out.Savepoints {
		paths = append(paths, s.Path)
	}
	return paths, nil
}

// Stop stops a job gracefully, with a savepoint when asked.
func (c *Client) Stop(id string, savepoint bool) (JobInfo, error) {
	var out JobInfo
	err := c.call("POST", "/v1/jobs/"+id+"/stop", StopRequest{Savepoint: savepoint}, &out)
	return out, err
}

// Delete stops a job and removes it with its checkpoints.
func (c *Client) Delete(id string) error { return c.call("DELETE", "/v1/jobs/"+id, nil, nil) }

// APIError is an error the server answered with.
type APIError struct {
	Status  int
	Message string
}

func (e *APIError) Error() string { return e.Message }

func (c *Client) call(method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.URL+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the eddy server at %s (start one with `eddy server --state-dir DIR`, or give --server URL): %v", c.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(b, &e) != nil || e.Error == "" {
			e.Error = fmt.Sprintf("%s %s: %s", method, path, resp.Status)
		}
		return &APIError{Status: resp.StatusCode, Message: e.Error}
	}
	if out != nil && len(b) > 0 {
		return json.Unmarshal(b, out)
	}
	return nil
}
