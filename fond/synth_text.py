"""Words for the synthetic corpus: the phrase tables ``fond.synth`` builds documents from.

The prose is Cold War diplomatic English (with a little German, French and Russian),
assembled from short chunks so that two generated documents share few runs of five
words: the link stage compares five-word shingles, and a corpus made of repeated
sentences would look like one document published many times. Names of states,
people and organizations are not here: they come from ``mappings/tables`` so that
the aligner meets the same names it meets in real texts.
"""

from __future__ import annotations


def _words(text: str) -> list[str]:
    return text.split()


NAMED_SUBJECTS = [
    "the leadership of {state}",
    "our friends in {state}",
    "{person}",
    "comrade {surname}",
    "the {demonym} side",
    "the {demonym} leadership",
    "the {org}",
    "the delegation of {state}",
    "the embassy in {capital}",
    "the government of {state}",
    "our ambassador in {capital}",
    "the opposition in {state}",
    "{person} personally",
    "the {demonym} party",
]
# Noun phrases are "the ADJ MOD HEAD": three choices from long lists, so that a run of five
# words is rare in a corpus of a million texts, as it is in real prose.
ADJECTIVES = _words(
    """
new old joint current annual bilateral multilateral additional planned reduced increased
serious urgent difficult western eastern military economic political agricultural
industrial financial scientific cultural technical regional national internal external
strategic long-term short-term preliminary final draft revised secret official unofficial
sharp growing declining chronic unexpected traditional radical moderate cautious firm formal
practical concrete general special separate mutual fraternal previous forthcoming promised
disputed delayed outstanding unresolved proposed approved rejected modest ambitious limited
extended temporary permanent
"""
)
MODIFIERS = _words(
    """
grain coal oil gas steel timber cotton meat credit price trade transport housing border
currency labour energy customs tariff transit fishing shipping railway pipeline nuclear
missile tank troop radio press church student youth party ministry army police security
emigration visa tourism investment debt budget wage pension food water machinery computer
chemical textile port airline fertilizer uranium potato sugar electricity tractor cement
fuel export import repair research
"""
)
HEADS = _words(
    """
deliveries quotas agreement programme reform negotiations talks commission mechanism crisis
shortage surplus balance arrears plan targets subsidies prices exports imports ties dispute
question situation policy strategy proposals measures guarantees consultations restrictions
regime statistics figures report treaty protocol contract project schedule reserves stocks
capacity losses costs revenues payments loans obligations commitments complaints demands
shipments orders controls inspections reserves estimates forecasts accounts arrangements
principles priorities difficulties
"""
)
VERBS = _words(
    """
raised rejected postponed welcomed criticized revised questioned accepted delayed supported
underestimated exaggerated opposed reviewed approved studied ignored defended reconsidered
discussed mentioned challenged doubted praised endorsed blocked resumed suspended cancelled
announced prepared drafted examined clarified disputed conceded demanded proposed requested
"""
)
LINKS = [
    "has {verb}",
    "{verb}",
    "again {verb}",
    "quietly {verb}",
    "openly {verb}",
    "has already {verb}",
    "has not yet {verb}",
    "once more {verb}",
]
TAILS = [
    "",
    "",
    " in {year}",
    " with {state}",
    " at the last meeting of the {org}",
    " before the end of {year}",
    " without consulting us",
    " in a conversation with {person}",
    " for the first time since {early_year}",
    " behind our back",
    " in talks with the {demonym} delegation",
    " in a letter to the {org}",
    " because of the {np}",
    " despite the {np}",
    " together with the {np}",
    " after the {np}",
]
OPENERS = [
    "",
    "",
    "",
    "At the same time, ",
    "In our view, ",
    "Nevertheless, ",
    "As before, ",
    "According to the embassy, ",
    "It must be said frankly that ",
    "We believe that ",
    "On the other hand, ",
    "Unfortunately, ",
    "Meanwhile ",
    "For this reason ",
]
NUMBER_SENTENCES = [
    "The plan for {thing} was fulfilled by {pct} percent.",
    "Deliveries of {thing} fell by {pct} percent compared with {early_year}.",
    "Of the {n} projects agreed, only {m} have been completed.",
    "The debt has reached {n} million transferable rubles.",
    "In {year} the trade turnover grew by {pct} percent.",
    "About {n} specialists from {state} are working on these sites.",
]
THINGS = [
    "grain",
    "coal",
    "potatoes",
    "rolled steel",
    "fertilizers",
    "housing",
    "machine tools",
    "cotton",
    "electricity",
    "natural gas",
]
TOPICS = [
    "Topical Questions of Cooperation with the Socialist Countries",
    "the Situation in {state}",
    "Relations with {state}",
    "Economic Cooperation within the CMEA",
    "the Results of the Talks with the {demonym} Delegation",
    "the Reduction of Soviet Troops in {state}",
    "the Food Situation and the Delivery Plan",
    "the Preparation of the Visit of {person}",
    "the Debt of {state} to Western Banks",
    "Questions of the Warsaw Treaty Organization",
    "the Mood of the Population",
    "the Work of the Embassy",
]
DOCUMENT_WORDS = {
    "memorandum": "Memorandum",
    "report": "Report",
    "note": "Note",
    "letter": "Letter",
    "information": "Information",
}
ARCHIVES = [
    ("State Archive of the Russian Federation", "GARF", "f. {f}, op. {o}, d. {d}, ll. {l}"),
    ("Russian State Archive of Contemporary History", "RGANI", "f. {f}, op. {o}, d. {d}, ll. {l}"),
    ("Archive of Foreign Policy of the Russian Federation", "AVP RF", "f. {f}, op. {o}, d. {d}"),
    ("Gorbachev Foundation Archive", "", "Fond {f}, Opis {o}, Delo {d}"),
    (
        "Stiftung Archiv der Parteien und Massenorganisationen der DDR im Bundesarchiv",
        "SAPMO-BArch",
        "DY 30/{d}, Bl. {l}",
    ),
    ("National Archives and Records Administration", "NARA", "Box {o}, Folder {f}"),
]
PUBLICATIONS = [
    ("Masterpieces of History", "Central European University Press", "Budapest", "2010"),
    ("The Unravelling Bloc", "Meridian University Press", "Oxford", "2012"),
    ("Documents on Soviet Policy in Eastern Europe", "Archive Editions", "London", "1998"),
    ("The Last Years of the Bloc", "Northfield Press", "Chicago", "2005"),
    ("Cold War Documents Reader", "Harbor Academic", "Boston", "2015"),
]
CAPITALS = {
    "Poland": "Warsaw",
    "Hungary": "Budapest",
    "Romania": "Bucharest",
    "Bulgaria": "Sofia",
    "Czechoslovakia": "Prague",
    "GDR": "Berlin",
    "Mongolia": "Ulan Bator",
    "Vietnam": "Hanoi",
    "Cuba": "Havana",
    "Yugoslavia": "Belgrade",
    "China": "Beijing",
    "United States": "Washington",
    "West Germany": "Bonn",
    "Albania": "Tirana",
    "Laos": "Vientiane",
    "North Korea": "Pyongyang",
    "Afghanistan": "Kabul",
    "France": "Paris",
    "Finland": "Helsinki",
    "Austria": "Vienna",
}
FIRST_NAMES = [
    "Pavel", "Irina", "Oleg", "Nikolai", "Yuri", "Tamara", "Sergei", "Viktor", "Galina", "Boris",
    "Lev", "Nina", "Arkady", "Elena", "Gennady", "Vera", "Leonid", "Mikhail", "Olga", "Andrei",
    "Janusz", "Karel", "Ferenc", "Stefan", "Dimitar", "Horst", "Gyula", "Petr", "Ion", "Tadeusz",
]  # fmt: skip
SURNAMES = [
    "Volkov", "Orlova", "Belov", "Kuznetsov", "Sorokin", "Lebedev", "Morozov", "Zaitsev",
    "Pavlova", "Gusev", "Tarasov", "Kiselev", "Makarov", "Frolov", "Antonova", "Nikitin",
    "Zhukov", "Filippov", "Gromov", "Sidorenko", "Kowalski", "Novak", "Szabo", "Petrov",
    "Ionescu", "Weber", "Horvath", "Dvorak", "Nowak", "Krause", "Baranov", "Yermakov",
    "Denisov", "Korolev", "Savelyev", "Shilov", "Rudenko", "Melnik", "Bondar", "Kravets",
]  # fmt: skip
TRANSLATORS = [
    "Hannah Kessler", "Greta Holm", "Michael Tarnow", "Ruth Ellery", "Emily Varga",
    "Oksana Ivashko", "Daniel Rosen", "Clara Benn", "Peter Lund", "Mara Quist",
]  # fmt: skip
# language -> (subjects, adverbs, verbs, objects, tails): the same chunked grammar, shorter
FOREIGN = {
    "de": (
        [
            "Die Führung in {state}",
            "Das Politbüro",
            "Unsere Botschaft in {capital}",
            "Die Delegation aus {state}",
            "Genosse {surname}",
            "Die Regierung",
            "Das Ministerium",
            "Die Partei in {state}",
            "Die Planungskommission",
            "Die westliche Presse",
            "Die Arbeitsgruppe",
            "Die Genossen in {capital}",
        ],
        [
            "erneut",
            "offenbar",
            "bisher",
            "jetzt",
            "wiederum",
            "ausdrücklich",
            "kaum",
            "weiterhin",
            "überraschend",
            "vorsichtig",
            "nachdrücklich",
            "inzwischen",
        ],
        [
            "verlangt Klarheit über",
            "spricht offen über",
            "verschiebt erneut",
            "unterstützt ausdrücklich",
            "kritisiert scharf",
            "prüft sorgfältig",
            "besteht weiter auf",
            "fürchtet",
            "erwartet Hilfe bei",
            "lehnt ab",
            "berichtet ausführlich über",
            "ändert ihre Haltung zu",
        ],
        [
            "die Lieferungen von Erdöl",
            "die Lage in {state}",
            "die Verhandlungen in Wien",
            "die Kredite westlicher Banken",
            "die Reform der Preise",
            "den Abzug der Truppen",
            "die Stimmung der Bevölkerung",
            "die Zusammenarbeit im RGW",
            "den Besuch von {person}",
            "die Wahlen im Jahr {year}",
            "die Frage der Menschenrechte",
            "den Handel mit {state}",
        ],
        [
            "",
            " im Jahr {year}",
            " seit {early_year}",
            " laut Vorlage Nr. {n}",
            " mit {state}",
            " nach Angaben von {person}",
            " bis Ende {year}",
            " (Anlage {m})",
        ],
    ),
    "fr": (
        [
            "Le gouvernement de {state}",
            "La délégation de {state}",
            "Notre ambassade à {capital}",
            "Le ministre {surname}",
            "La presse occidentale",
            "Le parti au pouvoir",
            "L'opposition en {state}",
            "Le Quai d'Orsay",
            "Nos interlocuteurs",
            "La direction soviétique",
            "Le groupe de travail",
            "Le comité central",
        ],
        [
            "encore",
            "désormais",
            "toujours",
            "déjà",
            "ouvertement",
            "prudemment",
            "à nouveau",
            "visiblement",
            "officiellement",
            "discrètement",
            "fermement",
            "aussi",
        ],
        [
            "s'inquiète de",
            "refuse de discuter",
            "souhaite reprendre",
            "suit avec attention",
            "critique ouvertement",
            "prépare des propositions sur",
            "reste prudent sur",
            "insiste sur",
            "minimise",
            "demande des garanties sur",
            "reporte encore",
            "commente abondamment",
        ],
        [
            "la situation en {state}",
            "les livraisons de pétrole",
            "les consultations à Vienne",
            "la dette envers les banques",
            "la réforme économique",
            "le retrait des troupes",
            "la visite de {person}",
            "les élections de {year}",
            "les droits de l'homme",
            "le commerce avec {state}",
            "la question allemande",
            "la sécurité en Europe",
        ],
        [
            "",
            " en {year}",
            " depuis {early_year}",
            " (télégramme n° {n})",
            " avec {state}",
            " selon {person}",
            " avant la fin de {year}",
            " (annexe {m})",
        ],
    ),
    "ru": (
        [
            "Руководство страны",
            "Посольство в {capital}",
            "Министерство",
            "Делегация",
            "Товарищ {surname}",
            "Западная пресса",
            "Рабочая группа",
            "Госплан",
            "Оппозиция",
            "Правительство",
            "Секретариат",
            "Международный отдел",
        ],
        [
            "снова",
            "теперь",
            "по-прежнему",
            "уже",
            "открыто",
            "осторожно",
            "вновь",
            "явно",
            "официально",
            "негласно",
            "твёрдо",
            "также",
        ],
        [
            "настаивает на пересмотре",
            "внимательно изучает",
            "откладывает решение",
            "открыто критикует",
            "поддерживает",
            "готовит предложения по",
            "опасается",
            "обсуждает",
            "требует гарантий в отношении",
            "не принимает",
            "ставит вопрос о",
            "докладывает о",
        ],
        [
            "поставок нефти",
            "положения в {state_ru}",
            "переговоров в Вене",
            "цен на сырьё",
            "вывода войск",
            "долга западным банкам",
            "настроений населения",
            "выборов {year}",
            "экономической реформы",
            "торговли с друзьями",
            "прав человека",
            "визита в {state_ru}",
        ],
        [
            "",
            " в {year} году",
            " с {early_year} года",
            " (записка № {n})",
            " до конца {year} года",
            " (приложение {m})",
            " по данным посольства",
            " в {state_ru}",
        ],
    ),
}
CORE_STATES = [
    "Poland", "Hungary", "GDR", "Czechoslovakia", "Romania", "Bulgaria", "Mongolia", "Vietnam",
    "Cuba", "Yugoslavia", "China", "United States", "West Germany", "Afghanistan", "Soviet Union",
]  # fmt: skip
RUSSIAN_STATES = ["Польше", "Венгрии", "ГДР", "Чехословакии", "Румынии", "Болгарии"]
