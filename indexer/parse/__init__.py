"""Parsers: text lines and raw tables → Document, Section, Table (with its kind), Row, Indicator, narrative figures."""
