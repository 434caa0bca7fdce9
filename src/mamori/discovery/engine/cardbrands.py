"""Payment card brands: issuer prefix (IIN) ranges and the number lengths each allows, as one table.

PCI DSS treats every primary account number as card data, whatever the brand, so the table covers the
brands of the ISO/IEC 7812 IIN registries that card test lists use. Sources: the brand ranges kept by
maintained card-type libraries (braintree/credit-card-type, activemerchant's card brand tests,
Adyen's test card list) and the ranges in /work/shared/reference/identifiers.md.

Reading the table: a number belongs to a row when its first ``len(low)`` digits lie in
[``low``, ``high``] and its length is one of ``lengths``. When several rows fit, the longest prefix
wins (``6304`` is Laser/Maestro rather than the broad Maestro ``6``), see checks.card_brand. Every
brand here uses the Luhn check digit (UATP included); a number failing it is never a card.

``broad`` rows are the catch-all Maestro ranges that test lists use (``50``, ``56``-``58``, ``6``):
numbers that only they explain are still reported, with less confidence.

Adding a brand is one row. ``docs/scanner.md`` (section "Card brands") lists what is covered.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BrandRange:
    """A card brand's issuer prefix range: the first ``len(low)`` digits lie in [low, high]."""

    brand: str
    low: str
    high: str
    lengths: tuple[int, ...]
    broad: bool = False


_12_19 = tuple(range(12, 20))
_14_19 = tuple(range(14, 20))
_16_19 = (16, 17, 18, 19)
_16 = (16,)


def _rows(brand: str, lengths: tuple[int, ...], *ranges: str, broad: bool = False) -> tuple[BrandRange, ...]:
    """Rows for ``ranges`` written `low-high` or as one prefix."""
    rows = []
    for item in ranges:
        low, _, high = item.partition("-")
        rows.append(BrandRange(brand, low, high or low, lengths, broad))
    return tuple(rows)


# The shortest number any row allows, and the longest prefix: the detectors and the prefilter rely on both.
CARD_BRANDS: tuple[BrandRange, ...] = (
    *_rows("visa", (13, 16, 19), "4"),
    *_rows("visa_electron", _16, "4026", "417500", "4405", "4508", "4844", "4913", "4917"),
    *_rows("mastercard", _16, "51-55", "2221-2720"),
    *_rows("amex", (15,), "34", "37"),
    *_rows("discover", _16_19, "6011", "644-649", "65", "622126-622925"),
    *_rows("jcb", _16_19, "3528-3589"),
    *_rows("jcb", _16, "3088-3094", "3096-3102", "3112-3120", "3158-3159", "3337-3349"),
    *_rows("diners", _14_19, "300-305", "3095", "36", "38-39"),
    *_rows("unionpay", _14_19, "62"),
    *_rows("unionpay", _16_19, "8100-8171"),
    *_rows("maestro", _12_19, "5018", "5020", "5038", "5893", "6304", "6759", "6761-6763"),
    *_rows("maestro", _12_19, "50", "56-58", "6", broad=True),
    *_rows("laser", _16_19, "6304", "6706", "6709", "6771"),
    *_rows("instapayment", _16, "637-639"),
    *_rows("interpayment", _16_19, "636"),
    *_rows("dankort", _16, "5019", "4571"),
    *_rows("forbrugsforeningen", _16, "600722"),
    *_rows("bankcard", _16, "5610", "560221-560225"),
    *_rows("mir", _16_19, "2200-2204"),
    *_rows("rupay", _16, "60", "65", "81", "82", "508"),
    *_rows("troy", _16, "9792", "65"),
    *_rows("uatp", (15,), "1"),
    *_rows("verve", (16, 18, 19), "506099-506198", "650002-650027"),
    *_rows("napas", (16, 19), "9704"),
    *_rows("mada", _16, "588845-588846", "588850", "588982-588983", "589005", "589206", "968201-968211"),
    *_rows("hipercard", _16, "606282", "384100", "384140", "384160"),
    *_rows(
        "elo",
        _16,
        "401178-401179",
        "431274",
        "438935",
        "451416",
        "457393",
        "457631-457632",
        "504175",
        "506699-506778",
        "509000-509999",
        "627780",
        "636297",
        "636368",
        "650031-650033",
        "650035-650051",
        "650405-650439",
        "650485-650538",
        "650541-650598",
        "650700-650718",
        "650720-650727",
        "650901-650978",
        "651652-651679",
        "655000-655019",
        "655021-655058",
    ),
)

MIN_CARD_LENGTH = min(size for row in CARD_BRANDS for size in row.lengths)
MAX_CARD_LENGTH = max(size for row in CARD_BRANDS for size in row.lengths)
# Free text: shorter numbers (12-digit Maestro) are reported only in a field or beside a word that says
# card, since 12-digit runs are mostly other identifiers (個人番号 among them).
MIN_FREE_TEXT_LENGTH = 13
LONGEST_PREFIX = max(len(row.low) for row in CARD_BRANDS)
# First digits of every brand: what the prefilter lets through to the exact checks.
FIRST_DIGITS = "".join(sorted({row.low[0] for row in CARD_BRANDS}))


def brand_row(head: str, length: int) -> BrandRange | None:
    """The most specific row whose prefix range holds ``head`` (the leading digits) and allows ``length``."""
    best: BrandRange | None = None
    for row in CARD_BRANDS:
        size = len(row.low)
        part = head[:size]
        fits = len(part) == size and row.low <= part <= row.high and length in row.lengths
        if fits and (best is None or size > len(best.low)):
            best = row
    return best
