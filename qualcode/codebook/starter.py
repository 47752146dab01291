"""The commented starter codebook written by `qualcode init` (it passes `validate`)."""

from pathlib import Path

from qualcode.io.write import check_new_file, write_text

STARTER = """\
# A starter qualcode codebook. Edit it, then run:
#   qualcode validate codebook.yaml        (checks it and runs its examples as tests)
#   qualcode apply codebook.yaml answers.csv
# Reference: every key and rule kind is described in docs/codebook-format.md.
name: My survey codebook
version: "0.1"
language: en              # a spaCy language code
description: What the codes are for, and who wrote them.
defaults:
  negation: exclude       # a negated hit ("I never waited") does not code the answer
  unit: sentence          # quotes, `unless` and `near` work within a sentence

codes:
  - id: access            # ids are unique across the codebook
    label: Access to the service
    color: "#1f77b4"
    codes:                # child codes; a parent is coded when any child is
      - id: waiting
        label: Waiting times
        definition: The respondent mentions waiting, delays or slow service.
        include: Waiting for appointments, call-backs, results.
        exclude: Waiting rooms as places (code `environment`).
        match:
          - wait                    # a word: also waits, waited, waiting
          - delay                   # delays, delayed
          - took ages               # a phrase
          - "slow*"                 # a glob: slow, slowly, slowness
          - near: [long, time]      # both words within 3 words of each other
            within: 3
        unless:
          - waiting room            # a hit in the same sentence as this does not count
        examples:
          - "I waited three weeks for a call back."
          - "The whole process took ages."
        non_examples:
          - "I never had to wait at all."
          - "The waiting room was clean."

  - id: staff
    label: Staff
    color: "#ff7f0e"
    codes:
      - id: kindness
        label: Kind and caring staff
        definition: Staff described as kind, caring, friendly or compassionate.
        include: Praise of staff manner.
        exclude: Praise of speed (code `waiting`).
        match:
          - kind
          - caring
          - friendly
          - "compassion*"
          - regex: "\\\\bnice (?:staff|nurses?|doctors?)\\\\b"
        examples:
          - "The nurses were so kind to me."
          - "Really friendly receptionist."
        non_examples:
          - "Staff were not friendly."
          - "What kind of service is this?"
        unless:
          - kind of
"""


def write_starter(path: str | Path) -> Path:
    """Write :data:`STARTER` to `path`; E403 when the file exists (never over a codebook)."""
    check_new_file(path)
    return write_text(path, STARTER)
