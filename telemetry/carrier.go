package telemetry

import (
	"net/http"

	"go.opentelemetry.io/otel/propagation"

	"github.com/allframe-go/allframe/app"
)

// MetadataCarrier adapts a call's app.Metadata (HTTP headers, gRPC
// metadata) to propagation.TextMapCarrier so that a propagator can extract
// the caller's trace context and baggage from it. Incoming metadata is
// read-only: Set does nothing. Keys lists the keys when the Metadata can
// enumerate them (http.Header, app.MapMetadata, or any type with a
// Keys() []string method), else nil.
type MetadataCarrier struct {
	Metadata app.Metadata
}

var (
	_ propagation.TextMapCarrier = MetadataCarrier{}
	_ propagation.ValuesGetter   = MetadataCarrier{}
)

// Get returns the first value of key.
func (c MetadataCarrier) Get(key string) string {
	if c.Metadata == nil {
		return ""
	}
	return c.Metadata.Get(key)
}

// Values returns every value of key.
func (c MetadataCarrier) Values(key string) []string {
	if c.Metadata == nil {
		return nil
	}
	return c.Metadata.Values(key)
}

// Set does nothing: incoming metadata is not written to.
func (MetadataCarrier) Set(string, string) {}

// Keys returns the keys of the metadata when it can list them.
func (c MetadataCarrier) Keys() []string {
	switch md := c.Metadata.(type) {
	case http.Header:
		return propagation.HeaderCarrier(md).Keys()
	case app.MapMetadata:
		keys := make([]string, 0, len(md))
		for k := range md {
			keys = append(keys, k)
		}
		return keys
	case interface{ Keys() []string }:
		return md.Keys()
	}
	return nil
}

// carrierFor returns the cheapest carrier for md: http.Header directly
// (no allocation), else a MetadataCarrier.
func carrierFor(md app.Metadata) propagation.TextMapCarrier {
	if h, ok := md.(http.Header); ok {
		return propagation.HeaderCarrier(h)
	}
	return MetadataCarrier{Metadata: md}
}
