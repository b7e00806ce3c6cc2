package domain

import (
	_ "example.com/svc/internal/adapters/api" // want `example.com/svc/internal/domain imports example.com/svc/internal/adapters/api: the domain layer must not import the adapters layer`
	_ "example.com/svc/internal/application"  // want `the domain layer must not import the application layer`
	_ "net/http"                              // want `example.com/svc/internal/domain imports net/http: transports belong in the adapters layer`
	_ "strings"
)
