package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/bgimigranti/hub/db"
)

func newFlagSet(name string, e env) *flag.FlagSet {
	fs := flag.NewFlagSet("hub "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// command is a subcommand's flag set: the configuration flags plus its own.
type command struct {
	fs   *flag.FlagSet
	load func() (*config, error)
	// fastPasswords is passed on from the env (tests only).
	fastPasswords bool
}

// newCommand returns a command with the configuration flags registered; the
// caller adds its own flags to fs before calling parse.
func newCommand(name string, e env) *command {
	fs := newFlagSet(name, e)
	return &command{fs: fs, load: registerConfigFlags(fs, e.getenv), fastPasswords: e.fastPasswords}
}

// parse parses the command line and loads the configuration from flags,
// environment and defaults.
func (cmd *command) parse(args []string) (*config, error) {
	if err := cmd.fs.Parse(args); err != nil {
		return nil, errUsage
	}
	c, err := cmd.load()
	if err != nil {
		return nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	c.fastPasswords = cmd.fastPasswords
	return c, nil
}

// readPassword reads a password without echo from a terminal, or as the
// first line of standard input when that is not a terminal (scripts:
// `printf '%s\n' "$PW" | hub user create …`).
func readPassword(e env) (string, error) {
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(e.stderr, "Password (at least 10 characters): ")
		p1, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(e.stderr, "Repeat the password: ")
		p2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", err
		}
		if string(p1) != string(p2) {
			return "", errors.New("the two passwords differ")
		}
		return string(p1), nil
	}
	line, err := bufio.NewReader(io.LimitReader(e.stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func userCreateCommand(ctx context.Context, args []string, e env) error {
	cmd := newCommand("user create", e)
	fs := cmd.fs
	email := fs.String("email", "", "e-mail address (required)")
	role := fs.String("role", "member", "admin, editor or member")
	orgHandle := fs.String("org", "", "handle of the organisation the user edits for (required for editors)")
	name := fs.String("name", "", "display name (default: the part of the e-mail before @)")
	lang := fs.String("lang", "bg", "preferred language: bg or en")
	c, err := cmd.parse(args)
	if err != nil {
		return err
	}
	if *email == "" {
		fmt.Fprintln(e.stderr, "hub user create: --email is required")
		fs.Usage()
		return errUsage
	}
	l, ok := db.ParseLang(*lang)
	if !ok {
		return fmt.Errorf("--lang %q: use bg or en", *lang)
	}
	store, err := open(ctx, c, newLogger(c, io.Discard))
	if err != nil {
		return err
	}
	defer store.Close()
	var orgID int64
	if *orgHandle != "" {
		o, err := store.OrganisationByHandle(ctx, *orgHandle)
		if errors.Is(err, db.ErrNotFound) {
			return fmt.Errorf("--org: there is no organisation with the handle %q (create it with: hub org create)", *orgHandle)
		}
		if err != nil {
			return err
		}
		orgID = o.ID
	}
	password, err := readPassword(e)
	if err != nil {
		return err
	}
	u, err := store.CreateUser(ctx, db.NewUser{Email: *email, Name: *name, Password: password, Role: db.Role(*role), OrganisationID: orgID, Lang: l})
	switch {
	case errors.Is(err, db.ErrConflict):
		return fmt.Errorf("an account with the e-mail %s already exists", db.NormalizeEmail(*email))
	case err != nil:
		return err
	}
	fmt.Fprintf(e.stdout, "created %s account %s (id %d)\n", u.Role, u.Email, u.ID)
	return nil
}

func orgCreateCommand(ctx context.Context, args []string, e env) error {
	cmd := newCommand("org create", e)
	fs := cmd.fs
	handle := fs.String("handle", "", "handle, also its fediverse name @HANDLE@host: lower-case ASCII letters, digits, - and _ (required)")
	nameBG := fs.String("name-bg", "", "name in Bulgarian")
	nameEN := fs.String("name-en", "", "name in English")
	kind := fs.String("kind", string(db.OrgInfoCentre), "information_centre, ngo, public_body, social_partner, international or other")
	country := fs.String("country", "BG", "two-letter country code")
	city := fs.String("city", "", "city")
	website := fs.String("website", "", "website URL")
	email := fs.String("email", "", "contact e-mail")
	c, err := cmd.parse(args)
	if err != nil {
		return err
	}
	if *handle == "" || (*nameBG == "" && *nameEN == "") {
		fmt.Fprintln(e.stderr, "hub org create: --handle and at least one of --name-bg and --name-en are required")
		fs.Usage()
		return errUsage
	}
	store, err := open(ctx, c, newLogger(c, io.Discard))
	if err != nil {
		return err
	}
	defer store.Close()
	o := &db.Organisation{Handle: *handle, Kind: db.OrgKind(*kind), Country: *country, City: *city, Website: *website, Email: *email}
	var ts []db.Text
	if *nameBG != "" {
		ts = append(ts, db.Text{Lang: db.BG, Title: *nameBG})
	}
	if *nameEN != "" {
		ts = append(ts, db.Text{Lang: db.EN, Title: *nameEN})
	}
	o.SetTexts(ts...)
	err = store.CreateOrganisation(ctx, o)
	switch {
	case errors.Is(err, db.ErrConflict):
		return fmt.Errorf("the handle %q is taken", o.Handle)
	case err != nil:
		return err
	}
	fmt.Fprintf(e.stdout, "created organisation %s (id %d); its fediverse address is @%s@%s\n", o.Handle, o.ID, o.Handle, c.BaseURL.Host)
	return nil
}
