package rest_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http/httptest"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/rest"
)

type EchoIn struct {
	Text string `json:"text" path:"text" validate:"max=10"`
}

type EchoOut struct {
	Text string `json:"text"`
}

// Handler serves an App over REST in process (here with httptest): the
// operation, its OpenAPI document, docs and problem+json errors.
func ExampleHandler() {
	a := app.New(app.Name("echo"))
	app.Query(a, "echo", func(_ context.Context, in EchoIn) (EchoOut, error) {
		return EchoOut(in), nil
	}, app.HTTP("GET", "/echo/{text}"))
	h, err := rest.Handler(a)
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	for _, path := range []string{"/echo/hi", "/echo/far-too-long-text", "/nope"} {
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Print(resp.StatusCode, " ", resp.Header.Get("Content-Type"), " ", string(body))
		if resp.StatusCode != 200 {
			fmt.Println()
		}
	}
	// Output:
	// 200 application/json {"text":"hi"}
	// 400 application/problem+json {"type":"about:blank","title":"Bad Request","status":400,"detail":"invalid text: must be at most 10 characters","instance":"/echo/far-too-long-text","code":"invalid_argument","violations":[{"field":"text","description":"must be at most 10 characters"}]}
	// 404 application/problem+json {"type":"about:blank","title":"Not Found","status":404,"detail":"no route for GET /nope","instance":"/nope","code":"not_found"}
}

type ThumbIn struct {
	Width int      `json:"width" validate:"min=1,max=512"`
	Image app.File `json:"image" validate:"required"`
}

// An input field of type app.File takes a multipart/form-data part (other
// fields are form values) or, as the only file, a raw body; an output of
// type app.Blob is sent raw, with Content-Type and Content-Disposition.
func ExampleHandler_upload() {
	a := app.New(app.Name("thumbs"))
	app.Command(a, "thumbnail", func(_ context.Context, in ThumbIn) (app.Blob, error) {
		rc, err := in.Image.Open() // streamed from memory or a spooled temporary file
		if err != nil {
			return app.Blob{}, err
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		return app.Blob{ContentType: in.Image.ContentType, Filename: "thumb-" + in.Image.Name, Content: b[:in.Width]}, err
	})
	h, err := rest.Handler(a)
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	var body bytes.Buffer
	form := multipart.NewWriter(&body)
	_ = form.WriteField("width", "4")
	part, _ := form.CreateFormFile("image", "cat.png")
	_, _ = part.Write([]byte("\x89PNG\x00\x01\x02"))
	_ = form.Close()
	resp, err := srv.Client().Post(srv.URL+"/thumbnail", form.FormDataContentType(), &body)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	fmt.Printf("%q\n", got)
	// Output:
	// 200 application/octet-stream attachment; filename=thumb-cat.png
	// "\x89PNG"
}
