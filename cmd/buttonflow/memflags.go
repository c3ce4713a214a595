package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// gcPercentFlag is the value of serve's --gc-percent: a percentage of at
// least 1, or off (-1), as GOGC takes.
type gcPercentFlag int

func (p *gcPercentFlag) String() string {
	if *p < 0 {
		return "off"
	}
	return strconv.Itoa(int(*p))
}

// Set parses a percentage of at least 1, or off.
func (p *gcPercentFlag) Set(s string) error {
	if s == "off" {
		*p = -1
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return errors.New("want a percentage of at least 1, or off")
	}
	*p = gcPercentFlag(n)
	return nil
}

// memoryLimitFlag is the value of serve's --memory-limit, in bytes; 0 when
// the flag is not given.
type memoryLimitFlag int64

// byteUnits are the suffixes GOMEMLIMIT takes, largest first.
var byteUnits = []struct {
	suffix string
	shift  uint
}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}

func (m *memoryLimitFlag) String() string {
	if *m == 0 {
		return ""
	}
	for _, u := range byteUnits {
		if n := int64(*m); n%(1<<u.shift) == 0 {
			return strconv.FormatInt(n>>u.shift, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(*m), 10) // unreachable: every n is a multiple of 1 B
}

// Set parses a size as GOMEMLIMIT writes it: a positive whole number of
// bytes, with an optional unit B, KiB, MiB, GiB or TiB (512MiB, 2GiB).
func (m *memoryLimitFlag) Set(s string) error {
	digits, shift := s, uint(0)
	for _, u := range byteUnits {
		if d, ok := strings.CutSuffix(s, u.suffix); ok {
			digits, shift = d, u.shift
			break
		}
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n < 1 || n > (1<<62)>>shift {
		return errors.New("want a size such as 512MiB or 2GiB (units B, KiB, MiB, GiB, TiB)")
	}
	*m = memoryLimitFlag(n << shift)
	return nil
}

// checkGCOff refuses --gc-percent off without a memory limit (the flag's
// limit, or GOMEMLIMIT's gomemlimit): the heap would grow until the machine
// ran out of memory.
func checkGCOff(percent gcPercentFlag, limit memoryLimitFlag, gomemlimit string) error {
	if percent >= 0 || limit > 0 || (gomemlimit != "" && gomemlimit != "off") {
		return nil
	}
	return fmt.Errorf("--gc-percent off needs --memory-limit (or GOMEMLIMIT): without a limit the heap grows until the machine runs out of memory")
}
