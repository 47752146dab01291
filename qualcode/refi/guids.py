"""Stable GUIDs: uuid5 over one fixed namespace, so the same codebook and data give the same
GUIDs in every export (QualCoder compares GUIDs as strings: always lower-case, hyphenated,
without braces)."""

from __future__ import annotations

import uuid

#: uuid5(NAMESPACE_URL, "https://qualcode.invalid/refi-qda"): fixed forever, since changing
#: it would change every GUID qualcode has ever exported.
NAMESPACE = uuid.UUID("04163c39-ba5e-5c9c-884e-23edf46c0710")


def guid(*parts: object) -> str:
    """The GUID of the thing named by `parts` (joined with '/'), e.g. ``guid("code",
    "physical_harms/bladder")``: lower-case 8-4-4-4-12 hex."""
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


def code_guid(path: str) -> str:
    """A code's GUID from its id path ("physical_harms/bladder"): the same in a .qdc and a
    .qdpx, and across codebook versions that keep the path."""
    return guid("code", path)


USER_NAME = "qualcode"
USER_GUID = guid("user", USER_NAME)
