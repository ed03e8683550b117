package portal

import (
	"regexp"
	"testing"

	"github.com/bgimigranti/hub/db"
)

// TestAccountsCatalogKeys checks the keys the accounts, editing and admin
// pages build at run time or use inside template expressions, which
// TestCatalogsComplete cannot see.
func TestAccountsCatalogKeys(t *testing.T) {
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, k := range db.Kinds() {
		keys = append(keys, "manage.kind."+string(k))
	}
	for _, s := range []db.Status{db.Draft, db.Published, db.Hidden} {
		keys = append(keys, "manage.status."+string(s))
	}
	for _, r := range []db.Role{db.RoleAdmin, db.RoleEditor, db.RoleMember} {
		keys = append(keys, "admin.role."+string(r))
	}
	for _, k := range db.OrgKinds() {
		keys = append(keys, "admin.orgkind."+string(k))
	}
	for _, l := range db.InterfaceLangs {
		keys = append(keys, "manage.missing."+string(l), "form.column."+string(l))
	}
	for _, reason := range []string{"csrf", "forbidden", "toomany", "toolarge", "badform"} {
		keys = append(keys, "acc.status."+reason+".title", "acc.status."+reason+".text")
	}
	for _, v := range []string{"login", "register", "account"} {
		keys = append(keys, "acc."+v+".title")
	}
	keys = append(keys, "media.type", "media.broken", "media.pixels", "media.too.big", "form.title.in", "admin.orgs.name.in")
	used := regexp.MustCompile(`(?:\{\{|\()t "([a-z0-9._]+)"`)
	for _, name := range []string{"accounts.html", "manage.html", "manage_item.html", "admin.html", "status.html"} {
		b, err := templateFiles.ReadFile("templates/" + name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
	}
	if len(keys) < 150 {
		t.Fatalf("found only %d keys: the template scan is broken", len(keys))
	}
	for _, k := range keys {
		for _, l := range db.InterfaceLangs {
			if cats[l][k] == "" {
				t.Errorf("key %q is missing in %s", k, l)
			}
		}
	}
}
