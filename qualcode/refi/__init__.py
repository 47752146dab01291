"""REFI-QDA interchange: codebooks (.qdc) and projects (.qdpx) for NVivo, ATLAS.ti, MAXQDA
and QualCoder.

- :mod:`qualcode.refi.qdc`: a codebook as Codebook XML (``urn:QDA-XML:codebook:1.0``).
- :mod:`qualcode.refi.qdpx`: an output folder of `qualcode apply` as a project zip.
- :mod:`qualcode.refi.read`: a .qdc (or the codebook inside a .qdpx) as a draft codebook.
- :mod:`qualcode.refi.safezip`, :mod:`qualcode.refi.xmlio`: the checks before reading anything.
"""
