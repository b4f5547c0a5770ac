package dataset

// Slovenian (and a few neighbouring) names with the letters iVMS-4200 mangles:
// č, š, ž, ć, đ. Kept in code, not data files, so the generator is one
// self-contained, deterministic function.
var firstNames = []string{
	"Žiga", "Špela", "Čedomir", "Maša", "Luka", "Nika", "Jure", "Tjaša", "Matej", "Urška",
	"Blaž", "Anže", "Živa", "Rok", "Petra", "Gašper", "Katja", "Nejc", "Mojca", "Tadej",
	"Đurđa", "Ćiril", "Saša", "Primož", "Tina", "Jaka", "Eva", "Matic", "Ana", "Miha",
	"Andraž", "Sara", "Žan", "Lara", "Aljaž", "Neža", "Domen", "Zala", "Tomaž", "Manca",
	"Vid", "Taja", "Boštjan", "Brina", "Uroš", "Lucija", "Tilen", "Pia", "Grega", "Hana",
}

var lastNames = []string{
	"Čeh", "Novak", "Horvat", "Kovačič", "Krajnc", "Zupančič", "Potočnik", "Kovač", "Mlakar", "Kos",
	"Vidmar", "Golob", "Turk", "Božič", "Kralj", "Zupan", "Bizjak", "Hribar", "Korošec", "Rozman",
	"Kotnik", "Oblak", "Petek", "Žagar", "Kolar", "Košir", "Hočevar", "Medved", "Zorko", "Šuštar",
	"Jerič", "Đorđević", "Ćosić", "Šinkovec", "Žnidaršič", "Debeljak", "Kastelic", "Pušnik", "Leban", "Pirc",
	"Babič", "Jovanović", "Erjavec", "Sitar", "Rupnik", "Vrhovnik", "Ažman", "Lesjak", "Čuk", "Štrukelj",
}

var domains = []string{"gmail.com", "siol.net", "t-2.net", "amis.net", "example.si", "telemach.net", "outlook.com"}

// staff are persons on the terminals who are not members: trainers,
// cleaners, the owner. They must be reported as unlinked and never touched.
var staff = []string{"Trener Marko", "Cistilka Vesna", "Lastnik Bostjan", "Receptor 1", "Serviser Hikvision", "Trenerka Spela"}
