package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strings"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/markup"
	"github.com/bgimigranti/hub/portal"
)

// demoMarker is the handle of the demo organisation whose presence means
// the demo dataset is loaded: `hub demo` then does nothing.
const demoMarker = "demo-ic-haskovo"

// demoCommand loads a clearly labelled demo dataset into the configured
// database: organisations in Bulgaria and abroad, items of every kind in
// Bulgarian and English (some in one language only), upcoming and past
// events, and a seminar gallery with generated images. It is never loaded
// unless asked for, and running it again changes nothing.
func demoCommand(ctx context.Context, args []string, e env) error {
	cmd := newCommand("demo", e)
	c, err := cmd.parse(args)
	if err != nil {
		return err
	}
	store, err := open(ctx, c, newLogger(c, io.Discard))
	if err != nil {
		return err
	}
	defer store.Close()
	_, err = store.OrganisationByHandle(ctx, demoMarker)
	switch {
	case err == nil:
		fmt.Fprintf(e.stdout, "the demo dataset is already loaded (organisation %s exists); nothing to do\n", demoMarker)
		return nil
	case !errors.Is(err, db.ErrNotFound):
		return err
	}
	var n demoCounts
	err = store.InTx(ctx, func(tx *db.Store) error {
		var err error
		n, err = loadDemo(ctx, tx, c.DataDir, time.Now())
		return err
	})
	if err != nil {
		return fmt.Errorf("load the demo dataset: %w", err)
	}
	fmt.Fprintf(e.stdout, "loaded the demo dataset: %d organisations, %d items, %d images and documents; every title is marked [Demo] / [Демо]\n", n.orgs, n.items, n.media)
	fmt.Fprintf(e.stdout, "to edit as one of them: ./hub user create --email demo-editor@example.org --role editor --org %s\n", demoMarker)
	return nil
}

type demoCounts struct{ orgs, items, media int }

// demoText is one language's text of a demo item or organisation.
type demoText struct {
	title, summary, body string
}

func demoTexts(r *markup.Renderer, bg, en *demoText) ([]db.Text, error) {
	var out []db.Text
	for _, t := range []struct {
		lang   db.Lang
		prefix string
		text   *demoText
	}{{db.BG, "[Демо] ", bg}, {db.EN, "[Demo] ", en}} {
		if t.text == nil {
			continue
		}
		html, err := r.Render(t.text.body)
		if err != nil {
			return nil, err
		}
		out = append(out, db.Text{Lang: t.lang, Title: t.prefix + t.text.title, Summary: t.text.summary, BodyMD: t.text.body, BodyHTML: html})
	}
	return out, nil
}

// loadDemo writes the demo dataset with store (a transaction) and files
// under dataDir, with dates around now.
func loadDemo(ctx context.Context, store *db.Store, dataDir string, now time.Time) (demoCounts, error) {
	var n demoCounts
	r := markup.New()
	sofia, err := time.LoadLocation("Europe/Sofia")
	if err != nil {
		return n, err
	}
	day := func(d int, hour, minute int) time.Time {
		t := now.In(sofia).AddDate(0, 0, d)
		return time.Date(t.Year(), t.Month(), t.Day(), hour, minute, 0, 0, sofia)
	}

	orgs := map[string]int64{}
	for _, o := range []struct {
		handle         string
		kind           db.OrgKind
		country, city  string
		address, phone string
		bg, en         *demoText
	}{
		{demoMarker, db.OrgInfoCentre, "BG", "Хасково", "бул. „България“ 1, Хасково", "+359 38 000 001",
			&demoText{"Информационен център – Хасково", "Консултации за граждани на трети страни в Хасковска област.", "Информационният център помага с **документи**, достъп до услуги и обучение по български език.\n\nРаботно време: понеделник – петък, 9:00 – 17:00."},
			&demoText{"Information Centre Haskovo", "Advice for third-country nationals in the Haskovo region.", "The centre helps with **documents**, access to services and Bulgarian language classes.\n\nOpen Monday to Friday, 9:00 to 17:00."}},
		{"demo-ic-sofia", db.OrgInfoCentre, "BG", "София", "ул. „Пиротска“ 5, София", "+359 2 000 0002",
			&demoText{"Информационен център – София", "Информация и консултации за имигранти в столицата.", "Центърът в София консултира по въпроси на пребиваването, труда и образованието."},
			&demoText{"Information Centre Sofia", "Information and advice for immigrants in the capital.", "The Sofia centre advises on residence, work and education."}},
		{"demo-ic-plovdiv", db.OrgInfoCentre, "BG", "Пловдив", "ул. „Гладстон“ 10, Пловдив", "+359 32 000 003",
			&demoText{"Информационен център – Пловдив", "Помощ за имигранти в Пловдив и региона.", "Консултации, преводи и насочване към институции."},
			nil},
		{"demo-ngo-bridges", db.OrgNGO, "BG", "София", "", "",
			&demoText{"Сдружение „Мостове“", "Неправителствена организация за диалог между институции и общности.", "„Мостове“ организира обучения по междукултурна комуникация."},
			&demoText{"Bridges Association", "An NGO for dialogue between institutions and communities.", "Bridges runs training in intercultural communication."}},
		{"demo-partner-thessaloniki", db.OrgInternational, "GR", "Thessaloniki", "", "",
			&demoText{"Център за подкрепа на мигранти – Солун", "Партньорска организация в Гърция.", "Партньор по обмена на добри практики."},
			&demoText{"Migrant Support Centre Thessaloniki", "A partner organisation in Greece.", "A partner for the exchange of good practice."}},
	} {
		ts, err := demoTexts(r, o.bg, o.en)
		if err != nil {
			return n, err
		}
		org := &db.Organisation{Handle: o.handle, Kind: o.kind, Country: o.country, City: o.city, Address: o.address, Phone: o.phone,
			Website: "https://example.org/" + o.handle, Email: o.handle + "@example.org"}
		org.SetTexts(ts...)
		if err := store.CreateOrganisation(ctx, org); err != nil {
			return n, fmt.Errorf("organisation %s: %w", o.handle, err)
		}
		orgs[o.handle] = org.ID
		n.orgs++
	}

	type demoItem struct {
		kind      db.Kind
		org       string // "" for the hub
		published int    // days from now (negative: in the past)
		bg, en    *demoText
		set       func(*db.Item)
		media     []portal.Upload
	}
	event := func(start, end time.Time, place, address, online string) func(*db.Item) {
		return func(it *db.Item) {
			it.StartsAt, it.EndsAt, it.TimeZone = start, end, "Europe/Sofia"
			it.PlaceName, it.Address, it.OnlineURL = place, address, online
		}
	}
	pdf := demoPDF("Demo material / Демо материал")
	items := []demoItem{
		{db.News, demoMarker, -2,
			&demoText{"Нови часове за консултации", "От следващия месец центърът работи и в събота.", "От следващия месец центърът в Хасково ще приема посетители и **в събота** от 10:00 до 14:00."},
			&demoText{"New consultation hours", "From next month the centre also opens on Saturdays.", "From next month the Haskovo centre will also receive visitors **on Saturdays** from 10:00 to 14:00."}, nil, nil},
		{db.News, "demo-ic-sofia", -6,
			&demoText{"Безплатни курсове по български език", "Записването за новия курс започна.", "Курсът е за начинаещи и продължава 12 седмици."}, nil, nil, nil},
		{db.News, "demo-ngo-bridges", -12, nil,
			&demoText{"Report on intercultural mediation", "Our yearly report is out.", "The report looks at **120 cases** of mediation between institutions and families."}, nil, nil},
		{db.Event, demoMarker, -3,
			&demoText{"Информационна среща: права и задължения", "Среща за новопристигнали граждани на трети страни.", "Ще представим правата и задълженията при пребиваване в България.\n\n- документи\n- здравно осигуряване\n- образование"},
			&demoText{"Information meeting: rights and duties", "A meeting for newly arrived third-country nationals.", "We will present rights and duties when residing in Bulgaria.\n\n- documents\n- health insurance\n- education"},
			event(day(9, 17, 30), day(9, 19, 0), "Информационен център – Хасково", "бул. „България“ 1, Хасково", ""), nil},
		{db.Event, "demo-ic-sofia", -5,
			&demoText{"Онлайн семинар: трудова заетост", "Как се търси работа законно и безопасно.", "Семинарът е онлайн; връзката е по-долу."},
			&demoText{"Online seminar: employment", "How to look for work legally and safely.", "The seminar is online; the link is below."},
			event(day(16, 11, 0), day(16, 12, 30), "", "", "https://meet.example.org/demo-employment"), nil},
		{db.Event, "demo-ic-plovdiv", -4,
			&demoText{"Ден на отворените врати", "Заповядайте в центъра в Пловдив.", "Целодневно събитие с консултации и игри за деца."}, nil,
			func(it *db.Item) {
				event(day(23, 0, 0), day(23, 0, 0), "Информационен център – Пловдив", "ул. „Гладстон“ 10, Пловдив", "")(it)
				it.AllDay = true
			}, nil},
		{db.Event, "demo-ngo-bridges", -8,
			&demoText{"Обучение по междукултурна комуникация", "Отменено поради болест на лектора.", "Обучението ще бъде насрочено отново."},
			&demoText{"Training in intercultural communication", "Cancelled: the trainer is ill.", "The training will be rescheduled."},
			func(it *db.Item) {
				event(day(30, 10, 0), day(30, 16, 0), "Сдружение „Мостове“", "София", "")(it)
				it.Cancelled = true
			}, nil},
		{db.Event, demoMarker, -40,
			&demoText{"Кръгла маса с институции", "Проведе се кръгла маса с общината и областната администрация.", "Участваха представители на общината, областната администрация и неправителствени организации."},
			&demoText{"Round table with institutions", "A round table with the municipality and the regional administration.", "Representatives of the municipality, the regional administration and NGOs took part."},
			event(day(-20, 14, 0), day(-20, 17, 0), "Община Хасково", "пл. „Общински“ 1, Хасково", ""), nil},
		{db.Event, "demo-partner-thessaloniki", -60, nil,
			&demoText{"Exchange visit in Thessaloniki", "Staff of the Bulgarian centres visited our partners.", "Three days of visits and workshops."},
			event(day(-35, 9, 0), day(-33, 17, 0), "Migrant Support Centre", "Thessaloniki, Greece", ""), nil},
		{db.Announcement, demoMarker, -1,
			&demoText{"Центърът е затворен на 24 май", "Поради официалния празник.", "На 24 май центърът няма да работи."},
			&demoText{"The centre is closed on 24 May", "Because of the public holiday.", "The centre will be closed on 24 May."}, nil, nil},
		{db.Announcement, "demo-ic-sofia", -9,
			&demoText{"Търсим доброволци преводачи", "Арабски, фарси и украински език.", "Ако говорите арабски, фарси или украински, свържете се с нас."}, nil, nil, nil},
		{db.Service, demoMarker, -30,
			&demoText{"Правна консултация", "Безплатни консултации по въпроси на пребиваването.", "Консултациите са всеки вторник и четвъртък. Запишете си час по телефона."},
			&demoText{"Legal advice", "Free advice on residence matters.", "Advice sessions every Tuesday and Thursday. Book by phone."}, nil, nil},
		{db.Service, "demo-ic-plovdiv", -25,
			&demoText{"Курс по български език", "Начално ниво, вечерни часове.", "Курсът е безплатен за граждани на трети страни."},
			&demoText{"Bulgarian language course", "Beginners, evening classes.", "The course is free for third-country nationals."}, nil, nil},
		{db.Service, "demo-ngo-bridges", -20, nil,
			&demoText{"Psychological support", "Individual and group sessions.", "Confidential sessions in English, Arabic and Bulgarian."}, nil, nil},
		{db.Material, demoMarker, -15,
			&demoText{"Наръчник за новопристигнали", "Кратко ръководство за първите седмици в България.", "Изтеглете ръководството по-долу (PDF)."},
			&demoText{"Guide for newcomers", "A short guide to the first weeks in Bulgaria.", "Download the guide below (PDF)."}, nil,
			[]portal.Upload{{Name: "guide-for-newcomers.pdf", Data: pdf, Texts: []db.MediaTranslation{{Lang: db.BG, Caption: "Ръководство (PDF)"}, {Lang: db.EN, Caption: "Guide (PDF)"}}}}},
		{db.Material, "demo-ic-sofia", -18,
			&demoText{"Списък на институциите", "Адреси и телефони на институциите в София.", "Актуализиран списък с адреси и телефони."}, nil, nil, nil},
		{db.ProjectUpdate, "", -10,
			&demoText{"Проектът стартира", "Платформата за интеграция на имигранти стартира.", "Платформата свързва информационните центрове и организациите в страната."},
			&demoText{"The project starts", "The platform for the integration of immigrants is live.", "The platform connects the information centres and organisations in the country."}, nil, nil},
		{db.ProjectUpdate, "", -3,
			&demoText{"Наръчниците са публикувани", "Трите наръчника са достъпни онлайн.", "Прочетете ги в раздел „Справочници“."},
			&demoText{"The handbooks are published", "The three handbooks are online.", "Read them in the Handbooks section."}, nil, nil},
		{db.Press, "", -100,
			&demoText{"Информационните центрове помагат на имигрантите", "Статия в регионален ежедневник.", "Статията представя работата на центровете."}, nil,
			func(it *db.Item) {
				it.Outlet, it.ExternalURL, it.TimeZone = "[Демо] Регионален ежедневник", "https://example.org/press/1", "Europe/Sofia"
				it.StartsAt = day(-100, 0, 0)
			}, nil},
		{db.Press, "", -70,
			&demoText{"Диалог между институциите и общностите", "Втора публикация от поредицата.", "Интервю с координатора на проекта."},
			&demoText{"Dialogue between institutions and communities", "Second article of the series.", "An interview with the project coordinator."},
			func(it *db.Item) {
				it.Outlet, it.ExternalURL, it.TimeZone = "[Demo] Regional daily", "https://example.org/press/2", "Europe/Sofia"
				it.StartsAt = day(-70, 0, 0)
			}, nil},
		{db.Gallery, "", -14,
			&demoText{"Семинар за изграждане на капацитет", "Снимки и материали от семинара в Хасково.", "Двудневен семинар за служители на информационните центрове."},
			&demoText{"Capacity-building seminar", "Photos and materials from the seminar in Haskovo.", "A two-day seminar for the staff of the information centres."},
			func(it *db.Item) {
				it.StartsAt, it.TimeZone, it.PlaceName = day(-15, 0, 0), "Europe/Sofia", "Хасково"
			},
			[]portal.Upload{
				{Name: "seminar-1.png", Data: demoImage(0), Texts: []db.MediaTranslation{{Lang: db.BG, Alt: "Демо изображение: сини кръгове на светъл фон", Caption: "Откриване на семинара"}, {Lang: db.EN, Alt: "Demo image: blue circles on a light background", Caption: "Opening of the seminar"}}},
				{Name: "seminar-2.png", Data: demoImage(1), Texts: []db.MediaTranslation{{Lang: db.BG, Alt: "Демо изображение: зелени кръгове", Caption: "Работа в групи"}, {Lang: db.EN, Alt: "Demo image: green circles", Caption: "Group work"}}},
				{Name: "seminar-3.png", Data: demoImage(2), Texts: []db.MediaTranslation{{Lang: db.BG, Alt: "Демо изображение: оранжеви кръгове"}, {Lang: db.EN, Alt: "Demo image: orange circles", Caption: "Closing discussion"}}},
				{Name: "seminar-programme.pdf", Data: demoPDF("Seminar programme / Програма на семинара"), Texts: []db.MediaTranslation{{Lang: db.EN, Caption: "Programme (PDF)"}}},
			}},
		{db.Gallery, "", -45, nil,
			&demoText{"Seminar on working with public bodies", "Photos from the seminar in Sofia.", "Staff of the centres and of public bodies discussed cooperation."},
			func(it *db.Item) {
				it.StartsAt, it.TimeZone, it.PlaceName = day(-46, 0, 0), "Europe/Sofia", "Sofia"
			},
			[]portal.Upload{
				{Name: "sofia-1.png", Data: demoImage(3), Texts: []db.MediaTranslation{{Lang: db.EN, Alt: "Demo image: blue circles", Caption: "Panel discussion"}}},
				{Name: "sofia-2.png", Data: demoImage(5), Texts: []db.MediaTranslation{{Lang: db.EN, Alt: "Demo image: orange circles"}, {Lang: db.BG, Alt: "Демо изображение: оранжеви кръгове"}}},
			}},
	}
	for _, d := range items {
		ts, err := demoTexts(r, d.bg, d.en)
		if err != nil {
			return n, err
		}
		it := &db.Item{Kind: d.kind, OrganisationID: orgs[d.org], Status: db.Published, PublishedAt: now.AddDate(0, 0, d.published)}
		it.SetTexts(ts...)
		if d.set != nil {
			d.set(it)
		}
		if err := store.CreateItem(ctx, it); err != nil {
			return n, fmt.Errorf("item %q: %w", ts[0].Title, err)
		}
		n.items++
		var ids []int64
		for _, up := range d.media {
			m, err := portal.SaveUpload(ctx, store, dataDir, up)
			if err != nil {
				return n, fmt.Errorf("media %s: %w", up.Name, err)
			}
			ids = append(ids, m.ID)
			n.media++
		}
		if len(ids) > 0 {
			if err := store.SetItemMedia(ctx, it.ID, ids); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// demoImage draws a 960×640 PNG: a soft gradient with circles, in one of
// three colour schemes, labelled by its alt text as a demo image.
func demoImage(scheme int) []byte {
	const w, h = 960, 640
	base := []color.RGBA{{40, 110, 200, 255}, {40, 150, 90, 255}, {220, 120, 40, 255}}[scheme%3]
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			t := float64(x+y) / float64(w+h)
			c := color.RGBA{
				uint8(245 - t*40), uint8(247 - t*30), uint8(250 - t*20), 255,
			}
			for i := range 5 {
				cx, cy := float64(w)*(0.15+0.18*float64(i)), float64(h)*(0.5+0.25*math.Sin(float64(i+scheme)))
				r := 60 + 15*float64((i+scheme)%3)
				if d := math.Hypot(float64(x)-cx, float64(y)-cy); d < r {
					a := 0.35 + 0.5*(1-d/r)
					c = color.RGBA{
						uint8(float64(c.R)*(1-a) + float64(base.R)*a),
						uint8(float64(c.G)*(1-a) + float64(base.G)*a),
						uint8(float64(c.B)*(1-a) + float64(base.B)*a), 255,
					}
				}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err) // encoding an in-memory RGBA image does not fail
	}
	return buf.Bytes()
}

// demoPDF returns a one-page PDF showing text (ASCII and, in the PDF's
// standard font, without the Cyrillic part).
func demoPDF(text string) []byte {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '(' || r == ')' || r == '\\' {
			return -1
		}
		return r
	}, text)
	content := fmt.Sprintf("BT /F1 24 Tf 72 720 Td (%s) Tj 0 -40 Td (bgimigranti hub - demo) Tj ET", strings.TrimSpace(ascii))
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}
