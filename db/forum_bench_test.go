package db_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// BenchmarkForumThreadPage reads pages of a thread with 5,000 posts by 50
// authors, half of them quoting an earlier post: the first page, the last
// page (the deepest OFFSET), and the count a pager needs, after ANALYZE
// (as autovacuum leaves a live database). Run with
// HUB_TEST_DATABASE_URL set to measure PostgreSQL too.
func BenchmarkForumThreadPage(b *testing.B) {
	const posts, authors = 5000, 50
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		name := "sqlite"
		if d == db.Postgres {
			name = "postgres"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			s := dbtest.Open(b, d)
			if _, err := s.SeedForum(ctx); err != nil {
				b.Fatal(err)
			}
			cats, err := s.ForumCategories(ctx)
			if err != nil || len(cats) == 0 {
				b.Fatalf("categories: %v %v", cats, err)
			}
			c := cats[0]
			users := make([]int64, authors)
			for i := range users {
				u, err := s.CreateUser(ctx, db.NewUser{Email: fmt.Sprintf("m%d@example.org", i), Name: fmt.Sprintf("Member %d", i),
					Password: "correct horse battery", Role: db.RoleMember})
				if err != nil {
					b.Fatal(err)
				}
				users[i] = u.ID
			}
			t := &db.ForumThread{CategoryID: c.ID, Title: "Дълга нишка"}
			first := &db.ForumPost{AuthorUserID: users[0], Lang: db.BG, BodyMD: "начало", BodyHTML: "<p>начало</p>"}
			if err := s.CreateForumThread(ctx, t, first); err != nil {
				b.Fatal(err)
			}
			prev := first.ID
			for i := 1; i < posts; i++ {
				p := &db.ForumPost{ThreadID: t.ID, AuthorUserID: users[i%authors], Lang: db.EN,
					BodyMD: "reply", BodyHTML: fmt.Sprintf("<p>reply %d with some text to read</p>", i)}
				if i%2 == 0 {
					p.QuoteOf = prev
				}
				if err := s.CreateForumPost(ctx, p); err != nil {
					b.Fatal(err)
				}
				prev = p.ID
			}
			if err := s.Analyze(ctx); err != nil {
				b.Fatal(err)
			}
			for _, c := range []struct {
				name   string
				offset int
			}{{"first", 0}, {"last", posts - 30}} {
				b.Run(c.name, func(b *testing.B) {
					for b.Loop() {
						ps, err := s.ForumPosts(ctx, db.PostQuery{ThreadID: t.ID, Limit: 30, Offset: c.offset})
						if err != nil || len(ps) != 30 {
							b.Fatalf("page: %d posts, %v", len(ps), err)
						}
					}
				})
			}
			b.Run("count", func(b *testing.B) {
				for b.Loop() {
					if n, err := s.CountForumPosts(ctx, t.ID, false); err != nil || n != posts {
						b.Fatalf("count: %d, %v", n, err)
					}
				}
			})
		})
	}
}
