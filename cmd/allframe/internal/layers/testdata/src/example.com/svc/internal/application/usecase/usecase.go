package usecase

import (
	_ "example.com/svc/internal/domain"
	_ "github.com/allframe-go/allframe/app"
)
