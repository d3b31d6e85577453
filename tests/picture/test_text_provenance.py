"""Text provenance (review A W11): a value read out of a sentence -- a Ki-67 in a pathology text given as
valueString, VHL named only in the text of a generic Condition code -- is a text fact (quote, reference, the
coded record to confirm), never shown as coded."""
from __future__ import annotations

import json

from tests.picture.factories import AS_OF, condition, ileal_net, observation, record

SENTENCE = ("Liver core biopsy, segment VI: metastatic well-differentiated neuroendocrine tumour. "
            "Ki-67 (MIB-1) labelling index approximately 12 % in hot-spot areas (500 tumour cells counted).")


def test_ki67_from_a_pathology_sentence_is_a_text_fact(picture_of):
    p = picture_of(record(ileal_net(), observation("29593-1", valueString=SENTENCE)), as_of=AS_OF)
    assert p.ki67.value.percent == 12
    (src,) = p.ki67.sources
    assert src.origin == "report-text" and src.quote.startswith("Ki-67 (MIB-1) labelling index approximately 12 %")
    rec = json.loads(src.record)
    assert rec["code"]["coding"][0]["code"] == "29593-1" and rec["valueQuantity"]["value"] == 12


def test_ki67_value_string_is_still_coded(picture_of):
    for text in ("12%", "Ki-67: 12 %", "approximately 12 %", "Ki-67 labelling index 12 %"):
        p = picture_of(record(ileal_net(), observation("29593-1", valueString=text)), as_of=AS_OF)
        assert p.ki67.value.percent == 12 and p.ki67.sources[0].origin == "coded", text


def test_vhl_from_the_text_of_a_generic_code_is_a_text_fact(picture_of):
    vhl = condition("Q85.8", text="Von Hippel-Lindau disease (germline VHL variant)")
    p = picture_of(record(condition("C25.4"), vhl), as_of=AS_OF)
    (src,) = p.hereditary_sources
    assert src.origin == "report-text" and "Hippel" in src.quote
    rec = json.loads(src.record)
    assert rec["resourceType"] == "Condition" and rec["code"]["coding"][0]["code"] == "Q85.83"


def test_vhl_coded_precisely_stays_coded(picture_of):
    p = picture_of(record(condition("C25.4"), condition("Q85.83")), as_of=AS_OF)
    assert all(s.origin == "coded" for s in p.hereditary_sources)
