package baseline

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/go-chi/chi/v5"
	"github.com/labstack/echo/v4"

	"github.com/allframe-go/allframe/bench/workload"
)

// Echo serves the REST workload on raw echo: echo's binding and JSON,
// go-playground/validator.
func Echo() http.Handler {
	e := echo.New()
	v := newValidator()
	e.GET("/hello/:name", func(c echo.Context) error {
		in := workload.HelloIn{Name: c.Param("name")}
		if err := v.Struct(&in); err != nil {
			writeProblem(c.Response(), c.Request(), err)
			return nil
		}
		out, _ := workload.Hello(c.Request().Context(), in)
		return c.JSON(http.StatusOK, out)
	})
	e.POST("/users", func(c echo.Context) error {
		var in workload.CreateUserIn
		if err := c.Bind(&in); err != nil {
			writeProblem(c.Response(), c.Request(), err)
			return nil
		}
		if err := v.Struct(&in); err != nil {
			writeProblem(c.Response(), c.Request(), err)
			return nil
		}
		out, _ := workload.CreateUser(c.Request().Context(), in)
		return c.JSON(http.StatusOK, out)
	})
	e.GET("/items", func(c echo.Context) error {
		in, err := itemsIn(c.QueryParam("count"))
		if err == nil {
			err = v.Struct(&in)
		}
		if err != nil {
			writeProblem(c.Response(), c.Request(), err)
			return nil
		}
		out, _ := workload.Items(c.Request().Context(), in)
		return c.JSON(http.StatusOK, out)
	})
	return e
}

// NetHTTP serves the REST workload on net/http's ServeMux, encoding/json
// and go-playground/validator.
func NetHTTP() http.Handler {
	mux := http.NewServeMux()
	h := stdHandlers{v: newValidator()}
	mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, r *http.Request) { h.hello(w, r, r.PathValue("name")) })
	mux.HandleFunc("POST /users", h.createUser)
	mux.HandleFunc("GET /items", h.items)
	return mux
}

// Chi serves the REST workload on chi, encoding/json and
// go-playground/validator.
func Chi() http.Handler {
	r := chi.NewRouter()
	h := stdHandlers{v: newValidator()}
	r.Get("/hello/{name}", func(w http.ResponseWriter, r *http.Request) { h.hello(w, r, chi.URLParam(r, "name")) })
	r.Post("/users", h.createUser)
	r.Get("/items", h.items)
	return r
}

// stdHandlers are the net/http handlers NetHTTP and Chi share.
type stdHandlers struct {
	v interface{ Struct(any) error }
}

func (h stdHandlers) hello(w http.ResponseWriter, r *http.Request, name string) {
	in := workload.HelloIn{Name: name}
	if err := h.v.Struct(&in); err != nil {
		writeProblem(w, r, err)
		return
	}
	out, _ := workload.Hello(r.Context(), in)
	writeJSON(w, out)
}

func (h stdHandlers) createUser(w http.ResponseWriter, r *http.Request) {
	var in workload.CreateUserIn
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeProblem(w, r, err)
		return
	}
	if err := h.v.Struct(&in); err != nil {
		writeProblem(w, r, err)
		return
	}
	out, _ := workload.CreateUser(r.Context(), in)
	writeJSON(w, out)
}

func (h stdHandlers) items(w http.ResponseWriter, r *http.Request) {
	in, err := itemsIn(r.URL.Query().Get("count"))
	if err == nil {
		err = h.v.Struct(&in)
	}
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	out, _ := workload.Items(r.Context(), in)
	writeJSON(w, out)
}

func itemsIn(count string) (workload.ItemsIn, error) {
	if count == "" {
		return workload.ItemsIn{}, nil
	}
	n, err := strconv.Atoi(count)
	return workload.ItemsIn{Count: n}, err
}

// Huma's operations: inputs and outputs are structs whose tags Huma turns
// into its schema and validation.
type (
	humaHelloIn struct {
		Name string `path:"name" maxLength:"64"`
	}
	humaHelloOut struct{ Body workload.HelloOut }
	humaUserIn   struct {
		Body struct {
			Name    string `json:"name" minLength:"2" maxLength:"64"`
			Email   string `json:"email" format:"email"`
			Age     int    `json:"age" minimum:"18" maximum:"130"`
			Country string `json:"country" minLength:"2" maxLength:"2" pattern:"^[a-zA-Z]+$"`
			Plan    string `json:"plan" enum:"free,pro,team"`
		}
	}
	humaUserOut struct{ Body workload.User }
	humaItemsIn struct {
		Count int `query:"count" minimum:"0" maximum:"100"`
	}
	humaItemsOut struct{ Body workload.ItemsOut }
)

// Huma serves the REST workload on Huma v2 over net/http's ServeMux, with
// huma.DefaultConfig (Huma's recommended setup).
func Huma() http.Handler {
	mux := http.NewServeMux()
	api := humago.New(mux, huma.DefaultConfig("bench", "1.0.0"))
	huma.Get(api, "/hello/{name}", func(ctx context.Context, in *humaHelloIn) (*humaHelloOut, error) {
		out, err := workload.Hello(ctx, workload.HelloIn{Name: in.Name})
		return &humaHelloOut{Body: out}, err
	})
	huma.Post(api, "/users", func(ctx context.Context, in *humaUserIn) (*humaUserOut, error) {
		b := in.Body
		out, err := workload.CreateUser(ctx, workload.CreateUserIn{Name: b.Name, Email: b.Email, Age: b.Age, Country: b.Country, Plan: b.Plan})
		return &humaUserOut{Body: out}, err
	}, func(o *huma.Operation) { o.DefaultStatus = http.StatusOK })
	huma.Get(api, "/items", func(ctx context.Context, in *humaItemsIn) (*humaItemsOut, error) {
		out, err := workload.Items(ctx, workload.ItemsIn{Count: in.Count})
		return &humaItemsOut{Body: out}, err
	})
	return mux
}
