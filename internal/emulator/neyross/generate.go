package neyross

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/doorsync/doorsync/internal/member"
)

// Name stock for generated persons (male and female forms side by side),
// kept in constants so the generator is one self-contained, deterministic
// function.
const (
	maleSurnames     = "Аспидов Акимов Петров Иванов Смирнов Кузнецов Попов Васильев Соколов Михайлов Новиков Фёдоров Морозов Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Зайцев Соловьёв Борисов Яковлев Григорьев"
	femaleSurnames   = "Аспидова Акимова Петрова Иванова Смирнова Кузнецова Попова Васильева Соколова Михайлова Новикова Фёдорова Морозова Волкова Алексеева Лебедева Семёнова Егорова Павлова Козлова Степанова Николаева Орлова Андреева Макарова Зайцева Соловьёва Борисова Яковлева Григорьева"
	maleNames        = "Иван Сергей Пётр Алексей Дмитрий Андрей Михаил Николай Владимир Артём Юрий Евгений Олег Григорий Фёдор"
	femaleNames      = "Анна Мария Елена Ольга Татьяна Наталья Ирина Светлана Юлия Ксения Дарья Екатерина Людмила Вера Жанна"
	malePatronymics  = "Сергеевич Иванович Петрович Алексеевич Дмитриевич Андреевич Михайлович Николаевич Владимирович Юрьевич"
	femalePatronyms  = "Сергеевна Ивановна Петровна Алексеевна Дмитриевна Андреевна Михайловна Николаевна Владимировна Юрьевна"
	organisations    = "Фитнес-клуб «Атлет»|ООО «Спорт-Сервис»|Бассейн «Волна»"
	divisions        = "Тренажёрный зал|Бассейн|Групповые программы|Администрация|Охрана"
	posts            = "Клиент|Тренер|Администратор|Охранник|Уборщица"
	staffMailDomain  = "neyross.local"
	birthdayEarliest = 1955
)

// GenOptions shape a generated population.
type GenOptions struct {
	Persons int    // how many persons (default 200)
	Seed    uint64 // same options and seed, same persons
	// Emails are member e-mails (from the membership system): EIS persons
	// carry them in order, some spelt in another case or with stray blanks,
	// so a demo can pair members with persons.
	Emails []string
	Now    time.Time      // validity periods are spread around this instant (required)
	Zone   *time.Location // the platform's zone (default Europe/Moscow)
	Levels []AccessLevel  // the platform's levels (default DefaultLevels); at least one EIS level
}

// Generate produces persons with Cyrillic names: most hold one or two EIS
// levels (some also an internal one) and carry a member e-mail; some carry a
// staff e-mail no member has (unlinked); some have no e-mail or a broken one;
// one in twenty holds internal levels only (invisible to the EIS); one member
// e-mail is carried by two persons (ambiguous); a few passes have no
// expiration date (permanent) and most end between two months ago and ten
// months ahead.
func Generate(o GenOptions) ([]Person, error) {
	if o.Now.IsZero() {
		return nil, errors.New("neyross generator: Now is required")
	}
	if o.Persons <= 0 {
		o.Persons = 200
	}
	if o.Zone == nil {
		loc, err := time.LoadLocation("Europe/Moscow")
		if err != nil {
			return nil, fmt.Errorf("neyross generator: %w", err)
		}
		o.Zone = loc
	}
	if o.Levels == nil {
		o.Levels = DefaultLevels()
	}
	var eis, internal []string
	for _, l := range o.Levels {
		if l.EIS() {
			eis = append(eis, l.UUID)
		} else {
			internal = append(internal, l.UUID)
		}
	}
	if len(eis) == 0 {
		return nil, errors.New("neyross generator: no EIS level (a name starting with \"[И] \") among the levels")
	}
	g := &gen{rng: rand.New(rand.NewPCG(o.Seed, o.Seed^0x6e6579726f7373)), o: o, eis: eis, internal: internal,
		today: member.DateOf(o.Now, o.Zone)}
	out := make([]Person, 0, o.Persons)
	for i := range o.Persons {
		out = append(out, g.person(i))
	}
	return out, nil
}

type gen struct {
	rng            *rand.Rand
	o              GenOptions
	eis, internal  []string
	today          member.Date
	nextEmail      int    // next member e-mail to hand out
	lastEmail      string // the previous member e-mail, for the shared one
	sharedHandedIn bool
}

func (g *gen) pick(list string, sep string) string {
	var items []string
	if sep == "" {
		items = strings.Fields(list)
	} else {
		items = strings.Split(list, sep)
	}
	return items[g.rng.IntN(len(items))]
}

func (g *gen) uuid() string {
	var b [16]byte
	for i := range b {
		b[i] = byte(g.rng.UintN(256))
	}
	return formatUUID(b)
}

func (g *gen) person(i int) Person {
	female := g.rng.IntN(2) == 0
	p := Person{UUID: g.uuid(), PassType: PassRegular}
	if female {
		p.Surname, p.Name, p.Patronymic = g.pick(femaleSurnames, ""), g.pick(femaleNames, ""), g.pick(femalePatronyms, "")
	} else {
		p.Surname, p.Name, p.Patronymic = g.pick(maleSurnames, ""), g.pick(maleNames, ""), g.pick(malePatronymics, "")
	}
	p.Organization = g.pick(organisations, "|")
	p.Division = g.pick(divisions, "|")
	p.Post = g.pick(posts, "|")
	p.ClockNumber = fmt.Sprintf("%05d", 100+i)
	p.Phone = fmt.Sprintf("+7 9%02d %03d-%02d-%02d", g.rng.IntN(100), g.rng.IntN(1000), g.rng.IntN(100), g.rng.IntN(100))
	birth := member.NewDate(birthdayEarliest+g.rng.IntN(50), time.Month(1+g.rng.IntN(12)), 1+g.rng.IntN(28))
	p.Info = map[string]string{"inactivity": "false", "Birthday": birth.String()}

	// Access levels: EIS ones (sometimes with an internal one), or internal only.
	invisible := i%20 == 7 && len(g.internal) > 0
	switch {
	case invisible:
		p.AccessLevels = []string{g.internal[g.rng.IntN(len(g.internal))]}
	default:
		p.AccessLevels = []string{g.eis[g.rng.IntN(len(g.eis))]}
		if len(g.eis) > 1 && g.rng.IntN(4) == 0 {
			if other := g.eis[g.rng.IntN(len(g.eis))]; other != p.AccessLevels[0] {
				p.AccessLevels = append(p.AccessLevels, other)
			}
		}
		if len(g.internal) > 0 && g.rng.IntN(5) == 0 {
			p.AccessLevels = append(p.AccessLevels, g.internal[g.rng.IntN(len(g.internal))])
		}
	}
	p.Email = g.email(i, invisible)

	// Validity: from some day in the past year, to an end around today.
	start := g.today.AddDays(-30 - g.rng.IntN(370))
	p.Activation = Int64(start.StartOfDay(g.o.Zone).Unix())
	switch r := g.rng.IntN(100); {
	case r < 4:
		// no expiration date: a permanent pass
	case r < 10:
		p.PassType = PassTemporary
		p.Expiration = Int64(g.today.AddDays(g.rng.IntN(14)).EndOfDay(g.o.Zone).Unix())
	default:
		end := g.today.AddDays(-60 + g.rng.IntN(360))
		if end.Before(start.AddDays(28)) {
			end = start.AddDays(28 + g.rng.IntN(30)) // at least a month's pass
		}
		p.Expiration = Int64(end.EndOfDay(g.o.Zone).Unix())
	}
	if g.rng.IntN(3) == 0 {
		p.Card, p.Facility = Int64(int64(10000+g.rng.IntN(55000))), Int64(int64(1+g.rng.IntN(255)))
	}
	return p
}

// email hands out member e-mails (in order, some respelt), a shared one, no
// e-mail, a broken one, or a staff address.
func (g *gen) email(i int, invisible bool) string {
	switch {
	case i%25 == 3:
		return ""
	case i%50 == 11:
		return fmt.Sprintf("ohrana%d@", i) // broken: no domain
	case !invisible && !g.sharedHandedIn && g.lastEmail != "" && i%40 == 5:
		g.sharedHandedIn = true
		return g.lastEmail
	case g.nextEmail < len(g.o.Emails) && g.rng.IntN(10) < 8:
		e := g.o.Emails[g.nextEmail]
		g.nextEmail++
		g.lastEmail = e
		switch g.rng.IntN(10) {
		case 0:
			return strings.ToUpper(e)
		case 1:
			return " " + e + " "
		}
		return e
	}
	return fmt.Sprintf("staff%03d@%s", i, staffMailDomain)
}
