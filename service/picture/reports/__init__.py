"""Facts read from pathology and imaging reports (DiagnosticReport text, attachments, result narratives).

- ``text``: attachments and conclusion -> capped plain text -> sections, specimens, sentences (linear scans);
- ``cues``: the ConText-style modifiers (negation, uncertainty, history) and clause scoping;
- ``extract``: per-sentence readings of Ki-67, mitoses, differentiation and tumour type, WHO grade (pathology)
  and SSTR uptake, FDG avidity, response (imaging);
- ``read``: readings -> per-report findings -> picture candidates with provenance (``Source.quote``), and the
  attachments that could not be read.

Every pattern runs on a capped sentence with bounded quantifiers and no nested repetition: reading is linear in
the length of the text (``tests/picture/reports/test_linear.py``).
"""
