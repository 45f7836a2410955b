package protocol

import (
	"errors"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Timestamp wire formats. AWS writes ISO 8601 in UTC with a literal Z;
// query services such as IAM write whole seconds, so sub-second digits are
// written only when the time has them (milliseconds, as the SDKs send).
const (
	isoSeconds = "2006-01-02T15:04:05Z"
	isoMillis  = "2006-01-02T15:04:05.000Z"
	httpDate   = "Mon, 02 Jan 2006 15:04:05 GMT"
)

var errBadTimestamp = errors.New("not a valid timestamp")

// resolveTS picks the format for a timestamp field: its ts tag, else the
// default of where it travels.
func resolveTS(f *fieldPlan, def tsFormat) tsFormat {
	if f != nil && f.ts != tsDefault {
		return f.ts
	}
	return def
}

// appendTime writes t in format ts (never tsDefault) without quotes.
func appendTime(dst []byte, t time.Time, ts tsFormat) []byte {
	t = t.UTC()
	switch ts {
	case tsEpoch:
		return appendEpoch(dst, t)
	case tsHTTPDate:
		return t.AppendFormat(dst, httpDate)
	}
	if t.Nanosecond()/int(time.Millisecond) != 0 {
		return t.AppendFormat(dst, isoMillis)
	}
	return t.AppendFormat(dst, isoSeconds)
}

// appendEpoch writes t as epoch seconds with millisecond precision and no
// trailing zeros: 1551129207, 1551129207.775.
func appendEpoch(dst []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	if ms < 0 {
		dst = append(dst, '-')
		ms = -ms
	}
	sec, frac := ms/1000, ms%1000
	dst = strconv.AppendInt(dst, sec, 10)
	if frac == 0 {
		return dst
	}
	dst = append(dst, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
	for dst[len(dst)-1] == '0' {
		dst = dst[:len(dst)-1]
	}
	return dst
}

// parseTime parses a timestamp sent in format ts. Clients differ in
// precision and zone spelling, so every ISO 8601 variant the SDKs send is
// accepted, and a value in one of the other formats is accepted too.
func parseTime(s string, ts tsFormat) (time.Time, error) {
	switch ts {
	case tsEpoch:
		if t, err := parseEpoch(s); err == nil {
			return t, nil
		}
	case tsHTTPDate:
		if t, err := http.ParseTime(s); err == nil {
			return t.UTC(), nil
		}
	default:
		if t, err := parseISO(s); err == nil {
			return t, nil
		}
	}
	if t, err := parseISO(s); err == nil {
		return t, nil
	}
	if t, err := parseEpoch(s); err == nil {
		return t, nil
	}
	if t, err := http.ParseTime(s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, errBadTimestamp
}

func parseISO(s string) (time.Time, error) {
	if len(s) < 10 || s[4] != '-' {
		return time.Time{}, errBadTimestamp
	}
	for _, layout := range [...]string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05.999999999Z0700", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errBadTimestamp
}

// parseEpoch parses decimal epoch seconds exactly (no float rounding of
// the fraction); exponent forms go through float64 and are rounded to the
// microsecond.
func parseEpoch(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, errBadTimestamp
	}
	if strings.ContainsAny(s, "eE") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}, errBadTimestamp
		}
		return epochFromFloat(f)
	}
	intPart, frac, _ := strings.Cut(s, ".")
	sec, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil || sec > maxEpoch || sec < -maxEpoch {
		return time.Time{}, errBadTimestamp
	}
	var nanos int64
	neg := strings.HasPrefix(intPart, "-")
	for i := 0; i < 9; i++ {
		nanos *= 10
		if i < len(frac) {
			c := frac[i]
			if c < '0' || c > '9' {
				return time.Time{}, errBadTimestamp
			}
			nanos += int64(c - '0')
		}
	}
	for i := 9; i < len(frac); i++ {
		if frac[i] < '0' || frac[i] > '9' {
			return time.Time{}, errBadTimestamp
		}
	}
	if neg {
		nanos = -nanos
	}
	return time.Unix(sec, nanos).UTC(), nil
}

// maxEpoch bounds epoch seconds to years within ±292 billion, far beyond
// any real value, so that conversions never overflow.
const maxEpoch = 1 << 50

func epochFromFloat(f float64) (time.Time, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > maxEpoch {
		return time.Time{}, errBadTimestamp
	}
	sec := math.Floor(f)
	micros := math.Round((f - sec) * 1e6)
	return time.Unix(int64(sec), int64(micros)*1000).UTC(), nil
}

// timeOf reads the time.Time held by v (a *time.Time or time.Time) without
// copying it through an interface.
func timeOf(v reflect.Value, t *typePlan) time.Time {
	if t.ptr {
		return *v.Interface().(*time.Time)
	}
	if v.CanAddr() {
		return *v.Addr().Interface().(*time.Time)
	}
	return v.Interface().(time.Time)
}

// setTime stores tm into v, a field of plan t.
func setTime(v reflect.Value, t *typePlan, tm time.Time) {
	if t.ptr {
		v.Set(reflect.ValueOf(&tm))
		return
	}
	v.Set(reflect.ValueOf(tm))
}
