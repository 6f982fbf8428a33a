"""The words the anonymiser knows: name lists, and the words that give a name away.

First names and surnames come from two PyPI packages whose data is read from the
installed files, offline: `names` (MIT; the US 1990 census lists of first names and
surnames) and `nicknames` (Apache-2.0; English given names and their nicknames). A
short list of British and Irish names and nicknames the census lists lack is kept in
anonymiser_data/uk_first_names.txt. Names that are also English words ("will",
"rose", "baker") are in anonymiser_data/*_words.txt and need context to count as names.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib.resources import files

_DATA = files("governance") / "anonymiser_data"


def _read_census(filename: str) -> frozenset[str]:
    text = (files("names") / filename).read_text(encoding="utf-8")
    return frozenset(line.split()[0].lower() for line in text.splitlines() if line.strip())


def _read_list(filename: str) -> frozenset[str]:
    text = (_DATA / filename).read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


@cache
def census_first_names() -> frozenset[str]:
    """First names from the census lists (men's and women's), lower case."""
    return _read_census("dist.male.first") | _read_census("dist.female.first")


@cache
def census_surnames() -> frozenset[str]:
    """Surnames from the census list, lower case (88,799 of them)."""
    return _read_census("dist.all.last")


@cache
def nickname_names() -> frozenset[str]:
    """Given names and nicknames from the `nicknames` package, lower case."""
    text = (files("nicknames") / "names.csv").read_text(encoding="utf-8")
    found: set[str] = set()
    for row in csv.DictReader(text.splitlines()):
        found.add(row["name1"].lower())
        found.add(row["name2"].lower())
    return frozenset(found)


@cache
def first_names() -> frozenset[str]:
    """Every first name and nickname known, lower case, everyday words left out."""
    every = census_first_names() | nickname_names() | _read_list("uk_first_names.txt")
    return frozenset(every - NEVER_NAMES - NOT_A_NAME - places())


@cache
def first_name_words() -> frozenset[str]:
    """First names that are also English words: a name only in context."""
    words = _read_list("first_name_words.txt") | CALENDAR_NAMES | SLANG_NAME_WORDS
    return words - NEVER_NAMES - NOT_A_NAME


@cache
def places() -> frozenset[str]:
    """Towns, countries, peoples, faiths and shops: kept, as too many people share each."""
    return _read_list("uk_places.txt") | _read_list("not_names.txt")


@cache
def surnames() -> frozenset[str]:
    """Every surname known, lower case, towns left out."""
    return census_surnames() - NOT_A_NAME - places()


@cache
def common_surnames() -> frozenset[str]:
    """The 2,000 commonest surnames: "baker" beside "sue" is a surname, "garden" is not."""
    text = (files("names") / "dist.all.last").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip()][:2000]
    return frozenset(line.split()[0].lower() for line in lines) - NOT_A_NAME - places()


@cache
def surname_words() -> frozenset[str]:
    """Surnames that are also English words: a surname only beside a name."""
    return _read_list("surname_words.txt") | NOT_A_NAME | NEVER_NAMES | places()


# Words in the name lists that are almost never a person's name in what people write.
NEVER_NAMES = frozenset(
    """
    ado aide alpha an angle ant app aura bat bias bong brain cage carry chat chi chin con
    corny crate cleat day dicey dung dunk duty else em era es experience fall fie field
    gee gory ha ham hang hub hung in kill left life lien loan long lore lorry love man
    manual many marry mock my nap nappy nu numbers one pasty ping pokey pres raze relief
    sang see shin so son soon squat sung than tick tine wan wash yon yuk mi little young
    lady king queen major junior golden green noble royal pleasant season spring fall
    win west wood page link lean vest sun moon star ward tel
    """.split()
)

# Everyday words, text-speak and abbreviations that the name lists happen to hold.
NOT_A_NAME = frozenset(
    """
    ok okay dob ta na le un ma pa thu wm jc fe hai yer sha su li lu yu thi soo mac ima ai bo ka
    mee hee lol u ur x xx xxx thx pls plz tbh omg idk gp tv nhs cqc ja la lo oh ah eh um
    the a i me we us he she it they them you your our their his her its this that these
    those who what when where why how and or but if of to at by for with from up down out
    over under again then once here there all any both each few more most other some such
    no nor not only own same too very can just don should now do did does done is am are
    was were be been being have has had having get got go went come came say said tell
    told ask asked help helped make made take took give gave know knew think thought
    yes yeah yep nope hi hello bye thanks thank cheers please sorry sir madam
    staff carer carers nurse nurses manager team everyone someone anyone nobody people
    home room food tea dinner lunch breakfast night nights day days week weeks time
    god lord jesus christ christian christmas easter sunday monday tuesday wednesday
    thursday friday saturday january february march july september october november
    december england english london paris france india asia georgia virginia carolina
    florida kent devon chester lincoln jordan israel victoria wales scotland ireland
    mum mam mom mummy dad daddy nan nana nanna nanny gran granny grandma grandad grandpa
    sis bro hubby never always also really still often sometimes usually even ever
    im ive id ill dont cant wont didnt isnt wasnt arent shes hes youre thats whats theres
    cos coz telly tennis trans tarra dal job zumba dols social services police council
    reception office ambulance hospital hospice surgery pharmacy chemist google
    """.split()
)

# Month names that are also names: a name only with strong context ("my aunt June").
CALENDAR_NAMES = frozenset({"april", "may", "june", "august"})

# Names that are also slang or a misspelt word, missing from the dictionary the word lists
# were built from: "took the mick", "wil i get in trouble".
SLANG_NAME_WORDS = frozenset({"mick", "willy", "wil", "nick", "bob"})

# Words after which the next word is a name: "my son Dave", "her carer, Sue".
RELATIONS = frozenset(
    """
    son sons daughter daughters husband wife partner hubby mum mam mom mummy mother dad
    daddy father brother bro sister sis nan nana nanna nanny gran granny grandma grandad
    granddad grandpa grandson granddaughter grandchild aunt auntie aunty uncle cousin
    niece nephew friend mate pal boyfriend girlfriend fiance fiancee stepson stepdaughter
    stepmum stepdad lodger neighbour neighbor carer keyworker worker nurse manager
    advocate therapist doctor physio named called
    """.split()
)

# Jobs in a care service, as in "Paddy the handyman".
ROLES = frozenset(
    """
    carer nurse manager cook chef cleaner handyman driver receptionist hairdresser physio
    doctor gardener warden deputy senior activities coordinator housekeeper laundry
    maintenance night day new agency admin office
    """.split()
)

# Titles before a name: "Mr Patel", "Dr. Okafor", "Mrs T".
TITLES = frozenset(
    """
    mr mrs ms miss mx dr doctor prof professor nurse sister rev reverend sir dame lord
    lady auntie aunty uncle nana nanna nan grandma grandad father sr
    """.split()
)

# Titles that are never ordinary words, so a lower-case word after them is a name too.
STRONG_TITLES = frozenset({"mr", "mrs", "ms", "mx", "dr", "prof", "rev", "sr"})

# Words that often follow a person's name: "Rose helped me", "Grace on nights".
NAME_FOLLOWERS = frozenset(
    """
    said says helped helps is was came comes told tells gave gives asked asks does did has
    had always never brought brings took takes made makes listened listens looked looks
    sorted sorts visits visited rang rings phoned called calls shouted shouts laughed
    talked talks knows knew cares cared works worked and from on at who keeps kept used
    explained explains showed shows got gets goes went sat sits spoke speaks stayed stays
    left leaves smiled smiles checked checks cooked cooks washed washes moved moves took
    sings sang dances danced wrote writes reads read tried tries lives lived came loves
    loved likes liked hates hated enjoys enjoyed wants wanted needs needed thinks feels
    """.split()
)

# Followers that also follow an ordinary noun too often to mark a month as a name.
WEAK_FOLLOWERS = frozenset({"is", "was", "and", "from", "on", "at", "has", "had", "who"})

# Words before a name in a greeting or a report of talk: "thanks rose", "I asked will".
NAME_LEADERS = frozenset(
    """
    asked told thanked thanks thank cheers hi hello hiya dear ask tell
    """.split()
)

# Short capitals that are not initials.
ACRONYMS = frozenset(
    """
    NHS GP GPS CQC OT OTS TV UK USA AE ICU DN SW PA PAS CPN MP IT ID PIP ESA DLA DWP ASAP
    OK AM PM BBC ITV SMS MRI CT ECG BP OCD ADHD MH CAMHS NI DOB RSVP ETA FYI TBH LOL OMG
    IDK PPE COVID WC DIY PC CV DVD CD AI RIP BTW MS
    """.split()
)
