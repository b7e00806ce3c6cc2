// Package telemetryfx provides the fx module of AllFrame's OpenTelemetry
// support (telemetry): tracing and metrics middleware on every protocol,
// GET /metrics on the HTTP host, trace ids in logs. It imports telemetry
// and di only, never a transport.
package telemetryfx
