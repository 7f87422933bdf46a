"""The words ``generate_data`` builds a county from: Norwegian places, names, activities, texts.

Data only, no logic beyond naming communities; ``measures.generation.generator`` draws from it.
"""

from collections.abc import Iterator

from partnerships.models import Meeting, Partner

# (neighbourhood, municipality): combined with a suffix when more communities are asked for.
PLACES = [
    ("Konnerud", "Drammen"),
    ("Åssiden", "Drammen"),
    ("Gulskogen", "Drammen"),
    ("Fjell", "Drammen"),
    ("Skoger", "Drammen"),
    ("Tangen", "Drammen"),
    ("Mjøndalen", "Drammen"),
    ("Solbergelva", "Drammen"),
    ("Tranby", "Lier"),
    ("Lierbyen", "Lier"),
    ("Hokksund", "Øvre Eiker"),
    ("Vestfossen", "Øvre Eiker"),
    ("Røyken", "Asker"),
    ("Slemmestad", "Asker"),
    ("Heggedal", "Asker"),
    ("Holmen", "Asker"),
    ("Sandvika", "Bærum"),
    ("Bekkestua", "Bærum"),
    ("Rykkinn", "Bærum"),
    ("Fornebu", "Bærum"),
    ("Kongsberg sentrum", "Kongsberg"),
    ("Gamlegrendåsen", "Kongsberg"),
    ("Hønefoss", "Ringerike"),
    ("Vikersund", "Modum"),
    ("Åmot", "Modum"),
    ("Nesbyen", "Nesbyen"),
    ("Geilo", "Hol"),
    ("Gol", "Gol"),
    ("Sætre", "Asker"),
    ("Hurum", "Asker"),
    ("Svelvik", "Drammen"),
    ("Krokstadelva", "Drammen"),
    ("Steinberg", "Drammen"),
    ("Darbu", "Øvre Eiker"),
    ("Sylling", "Lier"),
    ("Nedre Eiker", "Drammen"),
    ("Bragernes", "Drammen"),
    ("Strømsø", "Drammen"),
    ("Stabekk", "Bærum"),
    ("Haslum", "Bærum"),
    ("Eiksmarka", "Bærum"),
    ("Vøyenenga", "Bærum"),
    ("Billingstad", "Asker"),
    ("Vollen", "Asker"),
    ("Nærsnes", "Asker"),
    ("Flå", "Flå"),
    ("Rødberg", "Nore og Uvdal"),
    ("Veggli", "Rollag"),
    ("Prestfoss", "Sigdal"),
    ("Noresund", "Krødsherad"),
]
SCHOOL_PREFIXES = ["", "Nordre ", "Søndre ", "Øvre ", "Nedre ", "Vestre "]
FIRST_NAMES = [
    "Kari", "Ola", "Ingrid", "Lars", "Sigrid", "Håkon", "Marit", "Jørgen", "Solveig", "Øystein",
    "Astrid", "Bjørn", "Ragnhild", "Eirik", "Tone", "Per", "Åse", "Trond", "Liv", "Knut",
    "Nora", "Emil", "Sofie", "Jakob", "Ida", "Magnus", "Thea", "Sander", "Maja", "Aksel",
]  # fmt: skip
LAST_NAMES = [
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
    "Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen",
    "Johannessen", "Andreassen", "Jacobsen", "Dahl", "Jørgensen", "Halvorsen", "Lie", "Bakken",
    "Solberg", "Strand", "Moen", "Sæther", "Ødegård", "Fjeld",
]  # fmt: skip
ACTIVITIES = [
    "Åpen hall", "Balansebarna", "Aktiv senior", "Fargeløpet", "E-sport", "FYSAK i skolen",
    "Åpent klubbhus", "Leksehjelp og fotball", "Sykkelverksted", "Friluftsgruppe",
    "Svømmekurs", "Dans for alle", "Klatring", "Turgruppe", "Parkour", "Innebandy",
    "Sjakkklubb", "Skileik", "Aktive friminutt", "Trening for nybegynnere", "Familiebading",
    "Bordtennis", "Basket på kvelden", "Fotballskole", "Gåtur med kaffe", "Yoga",
    "Håndball for alle", "Allidrett", "Padling", "Orientering", "Styrke og balanse",
    "Ungdomsleder-kurs", "Natteravn-kveld", "Skøyteløkka", "Matlaging og aktivitet",
]  # fmt: skip
QUALIFIERS = [
    "", "for jenter", "for gutter", "på lørdager", "i skolegården", "i vinterferien",
    "i sommerferien", "for hele familien", "for nye i bygda", "med foreldre", "for ungdom",
    "for de minste", "etter skoletid", "på søndager", "i høstferien",
]  # fmt: skip
SUMMARIES = [
    "Gratis og uten påmelding, for alle som har lyst.",
    "Et trygt sted å være sammen, med voksne til stede.",
    "Lavterskel aktivitet der alle kan være med.",
    "Ungdom leder aktiviteten for yngre barn.",
    "Skolen og idrettslaget samarbeider om tid og sted.",
    "Kommunen låner ut lokaler; idrettslaget stiller med trenere.",
    "Vi møtes ute, i all slags vær.",
    "For barn og unge som ikke er med i et lag fra før.",
]
DESCRIPTIONS = [
    "Aktiviteten er åpen for alle uten påmelding. Voksne fra idrettslaget er til stede, og "
    "kommunens ungdomsarbeidere kommer innom.",
    "Skolene setter av tid og sted; idrettslaget rekrutterer og følger opp de unge lederne. "
    "Vi evaluerer tiltaket i fokusgruppe hvert halvår.",
    "Tiltaket ble startet etter ønske fra foreldre og elever. Utstyr lånes ut gratis, så "
    "ingen skal stå utenfor på grunn av økonomi.",
    "Målet er mer bevegelse i hverdagen, fellesskap på tvers av alder og at flere finner en "
    "aktivitet de liker.",
    "",
]
SCHEDULES = [
    "Fredager 19–23",
    "Mandager 17–19",
    "Tirsdager og torsdager 18–20",
    "Lørdager 10–13",
    "Ukentlig i skoletiden",
    "Hver dag i friminuttene",
    "Søndager 12–15",
    "En gang i måneden",
    "",
]
# A weekly time for each schedule text: (ISO weekdays, start, end). "Once a month" and an empty
# text get one of the others (time slots are weekly).
SCHEDULE_SLOTS = {
    "Fredager 19–23": ((5,), (19, 0), (23, 0)),
    "Mandager 17–19": ((1,), (17, 0), (19, 0)),
    "Tirsdager og torsdager 18–20": ((2, 4), (18, 0), (20, 0)),
    "Lørdager 10–13": ((6,), (10, 0), (13, 0)),
    "Ukentlig i skoletiden": ((3,), (11, 30), (12, 15)),
    "Hver dag i friminuttene": ((1, 2, 3, 4, 5), (10, 0), (10, 20)),
    "Søndager 12–15": ((7,), (12, 0), (15, 0)),
}
VENUES = ["hallen", "skolegården", "klubbhuset", "svømmehallen", "lysløypa", "grendehuset", ""]
CONTRIBUTIONS = [
    "Stiller med trenere",
    "Låner ut hallen",
    "Setter av tid i skoledagen",
    "Dekker utstyr",
    "Følger opp frivillige",
    "",
]
NOTES = [
    "Mange nye deltakere denne gangen.",
    "Ballspill, dans og musikk.",
    "Færre enn vanlig på grunn av været.",
    "Foreldre hjalp til med kiosken.",
    "God stemning, flere jenter enn før.",
]

# A membership's title, by the partner's kind: the first user's, then the second's.
MEMBER_TITLES = {
    Partner.Kind.SPORTS_CLUB: ["Daglig leder", "Styreleder"],
    Partner.Kind.SCHOOL: ["Rektor", "Lærer"],
    Partner.Kind.MUNICIPALITY: ["Rådgiver", "Folkehelsekoordinator"],
    Partner.Kind.SPORTS_COUNCIL: ["Rådgiver", "Leder"],
}
# (title, kind) of the meetings a partnership holds.
MEETINGS = [
    ("Fokusgruppe", Meeting.Kind.FOCUS_GROUP),
    ("Partnermøte", Meeting.Kind.PARTNER_MEETING),
    ("Evalueringsmøte", Meeting.Kind.FOCUS_GROUP),
    ("Oppstartsmøte", Meeting.Kind.PARTNER_MEETING),
    ("Dialogmøte med foreldre", Meeting.Kind.OTHER),
]
MEETING_VENUES = ["skole", "klubbhuset", "rådhuset", "grendehuset", "hallen"]
MINUTES = [
    "Vi gikk gjennom tiltakene siden sist. Åpen hall trekker flere enn før; vi trenger flere "
    "voksne på fredager.",
    "Fokusgruppe med elever og trenere: de unge lederne ønsker mer opplæring, og foreldrene vil "
    "ha bedre informasjon om tilbudene.",
    "Skolene og idrettslaget ble enige om nye tider i hallen. Kommunen undersøker tilskudd til "
    "utstyr.",
    "Evaluering av halvåret: flest deltakere i 13–19 år, færre jenter enn ønsket. Vi prøver "
    "egne jentegrupper i høst.",
    "Kort møte om sommerens aktiviteter og hvem som har ansvar for hva.",
]


def community_names(count: int) -> Iterator[tuple[str, str]]:
    """Neighbourhoods with their municipality; a second round is "<place> vest", and so on."""
    suffixes = ["", " vest", " øst", " nord", " sør"]
    for n in range(count):
        place, municipality = PLACES[n % len(PLACES)]
        round_ = n // len(PLACES)
        suffix = suffixes[round_] if round_ < len(suffixes) else f" {round_}"
        yield place + suffix, municipality


# A partner's role in its community, by the partner's kind.
COMMUNITY_ROLES = {
    Partner.Kind.SPORTS_CLUB: "Koordinator",
    Partner.Kind.SCHOOL: "Skolepartner",
    Partner.Kind.MUNICIPALITY: "Kommunal partner",
    Partner.Kind.SPORTS_COUNCIL: "Pådriver",
}
COMMUNITY_DESCRIPTION = (
    "{name} er et aktivt lokalsamfunn i {municipality} kommune. "
    "Idrettslaget, skolene og kommunen samarbeider om aktivitet og tilhørighet."
)
