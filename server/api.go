package server

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/eddysql/eddy/parser"
)

// The HTTP JSON API (all bodies JSON; errors are {"error": "..."} with a 4xx/5xx status):
//
//	POST   /v1/jobs                 {"sql": "...", "name": "job.sql"} -> 201 {"id": "..."};
//	                                a script with a mistake -> 400 with the line, column and caret
//	GET    /v1/jobs                 -> [JobInfo, ...]
//	GET    /v1/jobs/{id}            -> JobInfo
//	POST   /v1/jobs/{id}/savepoint  -> {"savepoints": [CheckpointInfo, ...]}
//	POST   /v1/jobs/{id}/stop       {"savepoint": true} (optional) -> JobInfo
//	DELETE /v1/jobs/{id}            stops the job and removes it -> 204
//	GET    /metrics                 Prometheus text format
//	GET    /healthz                 "ok"
//
// With a token set, every request must carry "Authorization: Bearer TOKEN" or gets 401.

// SubmitRequest is the body of POST /v1/jobs.
type SubmitRequest struct {
	SQL  string `json:"sql"`
	Name string `json:"name,omitempty"`
}

// StopRequest is the optional body of POST /v1/jobs/{id}/stop.
type StopRequest struct {
	Savepoint bool `json:"savepoint"`
}

// Handler serves the API; token, when not empty, is required on every request.
func (s *Server) Handler(token string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/jobs", s.handleSubmit)
	mux.HandleFunc("GET /v1/jobs", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, s.List()) })
	mux.HandleFunc("GET /v1/jobs/{id}", func(w http.ResponseWriter, r *http.Request) {
		info, err := s.Describe(r.PathValue("id"))
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, info)
	})
	mux.HandleFunc("POST /v1/jobs/{id}/savepoint", func(w http.ResponseWriter, r *http.Request) {
		sps, err := s.Savepoint(r.PathValue("id"))
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"savepoints": sps})
	})
	mux.HandleFunc("POST /v1/jobs/{id}/stop", func(w http.ResponseWriter, r *http.Request) {
		var req StopRequest
		if b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20)); len(strings.TrimSpace(string(b))) > 0 {
			if err := json.Unmarshal(b, &req); err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body: " + err.Error()})
				return
			}
		}
		if r.URL.Query().Get("savepoint") == "true" {
			req.Savepoint = true
		}
		info, err := s.Stop(r.PathValue("id"), req.Savepoint)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, info)
	})
	mux.HandleFunc("DELETE /v1/jobs/{id}", func(w http.ResponseWriter, r *http.Request) {
		if err := s.Delete(r.PathValue("id")); err != nil {
			writeError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	reg := prometheus.NewRegistry()
	reg.MustRegister(collector{s})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	if token == "" {
		return mux
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="eddy"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "missing or wrong token: send 'Authorization: Bearer TOKEN' (eddy's CLI: --auth-token or EDDY_AUTH_TOKEN)"})
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func (s *Server) handleSubmit(w http.ResponseWriter, r *http.Request) {
	var req SubmitRequest
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": `the body must be JSON {"sql": "..."}: ` + err.Error()})
		return
	}
	if strings.TrimSpace(req.SQL) == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": `"sql" is empty: send the job's SQL script`})
		return
	}
	if req.Name == "" {
		req.Name = "job.sql"
	}
	id, err := s.Submit(req.Name, req.SQL)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"id": id})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// writeError maps an error to its status: a refused script 400, an unknown job 404, a
// job in the wrong state 409, else 500.
func writeError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	var se *SubmitError
	var pe *parser.Error
	switch {
	case errors.As(err, &se), errors.As(err, &pe):
		status = http.StatusBadRequest
	case errors.Is(err, errNoJob):
		status = http.StatusNotFound
	case strings.Contains(err.Error(), "is not running"):
		status = http.StatusConflict
	}
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

// IsLoopback reports whether a listen address binds only the loopback interface.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ListenError explains why a listen address needs a token.
func ListenError(addr string) error {
	return fmt.Errorf("listening on %s exposes the server beyond this machine: give --auth-token TOKEN (or set EDDY_AUTH_TOKEN), or listen on 127.0.0.1", addr)
}
