"""The declarative base, the constraint naming convention, shared column types and length limits."""

from __future__ import annotations

from typing import Annotated

from sqlalchemy import LargeBinary, MetaData, String
from sqlalchemy.orm import DeclarativeBase, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Length limits live here so forms and models agree.
USERNAME_MAX = 64
CASE_NUMBER_MAX = 20
CODE_MAX = 40
ORDER_NUMBER_MAX = 80
# An e-mail address as forms check it: something@something.something, no spaces.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

Ciphertext = Annotated[bytes, mapped_column(LargeBinary)]
Code = Annotated[str, mapped_column(String(CODE_MAX))]
KeyId = Annotated[str, mapped_column(String(16))]


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention for stable migrations."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
