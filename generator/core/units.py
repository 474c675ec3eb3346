"""Units of measure as products of base units with integer powers.

`yuan/person/month × person × month = yuan`: multiplying and dividing combine units, while
adding, comparing, min and max need equal ones. This catches the classic rule-table slip of
adding a monthly amount to a yearly one or an area to money, at validation time.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    powers: tuple = ()  # sorted ((base, power), ...), no zero powers

    @staticmethod
    def parse(text: str) -> Unit:
        """'yuan/person/month' -> yuan¹ person⁻¹ month⁻¹; '1' -> dimensionless."""
        text = text.strip()
        if text in ("", "1"):
            return DIMENSIONLESS
        powers: dict[str, int] = {}
        sign = 1
        token = ""
        for char in text + "*":
            if char in "*/":
                if token:
                    powers[token] = powers.get(token, 0) + sign
                token, sign = "", (1 if char == "*" else -1)
            else:
                token += char
        return Unit._of(powers)

    @staticmethod
    def _of(powers: dict) -> Unit:
        return Unit(tuple(sorted((b, p) for b, p in powers.items() if p)))

    def __mul__(self, other: Unit) -> Unit:
        powers = dict(self.powers)
        for base, power in other.powers:
            powers[base] = powers.get(base, 0) + power
        return Unit._of(powers)

    def __truediv__(self, other: Unit) -> Unit:
        return self * Unit(tuple((b, -p) for b, p in other.powers))

    def __str__(self) -> str:
        if not self.powers:
            return "1"
        top = [b if p == 1 else f"{b}^{p}" for b, p in self.powers if p > 0]
        bottom = [b if p == -1 else f"{b}^{-p}" for b, p in self.powers if p < 0]
        text = "*".join(top) or "1"
        return text + "".join("/" + b for b in bottom)

    @property
    def is_dimensionless(self) -> bool:
        return not self.powers


DIMENSIONLESS = Unit()
