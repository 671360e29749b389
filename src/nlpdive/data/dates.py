"""Generated pairs for the talk's "Date Formatting" example: dates as people write them -> ISO 8601.

    date_pairs(3, seed=0) -> [("3 May 1979", "1979-05-03"), ("Thursday, March 1, 2012", "2012-03-01"), ...]

A character-level translator learns the mapping in seconds (the tests and the tour use it)."""
import datetime
import random

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _ordinal(n):
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


# how people write a date (day-month orders only where the month is a word or the order is unambiguous)
FORMATS = (
    lambda d: f"{d.day} {MONTHS[d.month - 1]} {d.year}",                    # 3 May 1979
    lambda d: f"{MONTHS[d.month - 1]} {d.day}, {d.year}",                   # May 3, 1979
    lambda d: f"{d.day} {MONTHS[d.month - 1][:3]} {d.year}",                # 3 May 1979 / 3 Sep 1979
    lambda d: f"{MONTHS[d.month - 1][:3]}. {d.day}, {d.year}",              # Sep. 3, 1979
    lambda d: f"{DAYS[d.weekday()]}, {d.day} {MONTHS[d.month - 1]} {d.year}",
    lambda d: f"{DAYS[d.weekday()]}, {MONTHS[d.month - 1]} {d.day}, {d.year}",
    lambda d: f"the {_ordinal(d.day)} of {MONTHS[d.month - 1]} {d.year}",   # the 3rd of May 1979
    lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",                         # 03.05.1979 (day first)
    lambda d: f"{d.year}/{d.month:02d}/{d.day:02d}",                         # 1979/05/03
    lambda d: f"{d.day} {MONTHS[d.month - 1].lower()} {d.year}",             # 3 may 1979
)


def date_pairs(n, seed=0, start=1900, end=2050):
    """`n` (written date, ISO date) pairs of random days from `start` to `end` (years), in random formats."""
    rng = random.Random(seed)
    first = datetime.date(start, 1, 1).toordinal()
    last = datetime.date(end, 12, 31).toordinal()
    pairs = []
    for _ in range(n):
        day = datetime.date.fromordinal(rng.randint(first, last))
        pairs.append((rng.choice(FORMATS)(day), day.isoformat()))
    return pairs


def write_date_pairs(path, n, seed=0):
    """Write `n` pairs to `path` as a headerless SOURCE<TAB>TARGET file (what `nlpdive train translate --data`
    reads); returns the path."""
    from nlpdive.atomic import atomic_file

    with atomic_file(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.writelines(f"{s}\t{t}\n" for s, t in date_pairs(n, seed))
    return path
