"""Exports of one session from the review read model: CSV, FHIR R4, the esketamine REMS form, PDF.

Every exporter takes a `console.review.model.SessionDetail` (loaded with observations for the CSV
and FHIR exports); `deidentify.deidentify` turns one into a de-identified copy first when asked.
"""
