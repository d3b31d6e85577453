"""The clinical picture stage: FHIR record -> typed NetPicture (see model.py)."""
