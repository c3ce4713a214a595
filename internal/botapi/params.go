package botapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxBody is the largest request body read (the Bot API's own limit for
// non-file requests is far lower than uploads; buttonflow takes no files).
const maxBody = 10 << 20

// params are a method's parameters, from the query string, a urlencoded or
// multipart form, or a JSON object. Form values are strings; JSON values
// keep their type. Objects given in forms are JSON-serialized strings, as the
// Bot API expects.
type params struct {
	values map[string]json.RawMessage
	strs   map[string]string
}

// parseParams reads r's parameters. A body that cannot be parsed is an error.
func parseParams(r *http.Request) (*params, error) {
	p := &params{values: map[string]json.RawMessage{}, strs: map[string]string{}}
	if r.URL.RawQuery != "" {
		for k, v := range r.URL.Query() {
			if len(v) > 0 {
				p.strs[k] = v[0]
			}
		}
	}
	if r.Method != http.MethodPost || r.Body == nil {
		return p, nil
	}
	ct := r.Header.Get("Content-Type")
	var ctParams map[string]string
	switch ct {
	case "application/json", "application/x-www-form-urlencoded":
		// The common bare forms need no parsing.
	default:
		ct, ctParams, _ = mime.ParseMediaType(ct)
	}
	r.Body = http.MaxBytesReader(nil, r.Body, maxBody)
	switch ct {
	case "application/json":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, fmt.Errorf("read body: %w", err)
		}
		if len(bytes.TrimSpace(body)) == 0 {
			return p, nil
		}
		if err := json.Unmarshal(body, &p.values); err != nil {
			return nil, fmt.Errorf("can't parse JSON object: %w", err)
		}
	case "":
		// No Content-Type: the body is not parameters (as net/http's
		// ParseForm has it); the query string still is.
	case "application/x-www-form-urlencoded":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, fmt.Errorf("read body: %w", err)
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, fmt.Errorf("can't parse form: %w", err)
		}
		for k, v := range form {
			if len(v) > 0 {
				p.strs[k] = v[0]
			}
		}
	case "multipart/form-data":
		if ctParams["boundary"] == "" {
			return nil, fmt.Errorf("multipart body without a boundary")
		}
		if err := r.ParseMultipartForm(maxBody); err != nil {
			return nil, fmt.Errorf("can't parse multipart form: %w", err)
		}
		for k, v := range r.MultipartForm.Value {
			if len(v) > 0 {
				p.strs[k] = v[0]
			}
		}
	default:
		return nil, fmt.Errorf("unsupported Content-Type %q", ct)
	}
	return p, nil
}

// has reports whether name was given (and is not JSON null).
func (p *params) has(name string) bool {
	if v, ok := p.values[name]; ok {
		return string(v) != "null"
	}
	_, ok := p.strs[name]
	return ok
}

// str is a string parameter; numbers given as JSON numbers are accepted.
func (p *params) str(name string) (string, error) {
	if v, ok := p.values[name]; ok {
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			return s, nil
		}
		var n json.Number
		if err := json.Unmarshal(v, &n); err == nil {
			return n.String(), nil
		}
		if string(v) == "null" {
			return "", nil
		}
		return "", badRequest("field \"%s\" must be of type String", name)
	}
	return p.strs[name], nil
}

// int64 is an integer parameter (zero when absent).
func (p *params) int64(name string) (int64, error) {
	if !p.has(name) {
		return 0, nil
	}
	s, err := p.str(name)
	if err != nil {
		return 0, badRequest("field \"%s\" must be of type Integer", name)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, badRequest("field \"%s\" must be of type Integer", name)
	}
	return n, nil
}

// int is an integer parameter that fits an int.
func (p *params) int(name string) (int, error) {
	n, err := p.int64(name)
	return int(n), err
}

// float is a number parameter.
func (p *params) float(name string) (float64, error) {
	if !p.has(name) {
		return 0, nil
	}
	s, err := p.str(name)
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, badRequest("field \"%s\" must be of type Float", name)
	}
	return f, nil
}

// bool is a Boolean parameter: true/false, 1/0.
func (p *params) bool(name string) (bool, error) {
	if v, ok := p.values[name]; ok {
		var b bool
		if err := json.Unmarshal(v, &b); err == nil {
			return b, nil
		}
	}
	if !p.has(name) {
		return false, nil
	}
	s, err := p.str(name)
	if err != nil {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1":
		return true, nil
	case "false", "0", "":
		return false, nil
	}
	return false, badRequest("field \"%s\" must be of type Boolean", name)
}

// object decodes an object parameter into v: a JSON value, or in forms a
// JSON-serialized string. It reports whether the parameter was given.
func (p *params) object(name string, v any) (bool, error) {
	raw, ok := p.values[name]
	if ok && string(raw) == "null" {
		return false, nil
	}
	if ok && len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return false, badRequest("can't parse %s JSON object", name)
		}
		raw = json.RawMessage(s)
	} else if !ok {
		s, given := p.strs[name]
		if !given || s == "" {
			return false, nil
		}
		raw = json.RawMessage(s)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, badRequest("can't parse %s JSON object", name)
	}
	return true, nil
}
